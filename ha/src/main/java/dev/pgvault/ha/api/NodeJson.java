package dev.pgvault.ha.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.pgvault.ha.NodeState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The body of /primary, /replica and /health: this node, as its latest cycle saw it. */
final class NodeJson {
    private static final JsonFactory JSON = new JsonFactory();

    private NodeJson() {}

    static byte[] write(NodeState node) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("name", node.name());
            g.writeStringField("role", dev.pgvault.ha.cluster.Role.of(node.pg()).label());
            g.writeStringField("state", NodeRole.state(node));
            ClusterJson.writeTimeline(g, node.pg().timeline());
            ClusterJson.writeLsn(g, node.pg().lsn());
            g.writeBooleanField("leader", node.leader());
            g.writeStringField("decision", node.decision());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    /** An object with string fields, in the order given: errors and acknowledgements. */
    static byte[] object(String... namesAndValues) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            for (int i = 0; i < namesAndValues.length; i += 2) {
                g.writeStringField(namesAndValues[i], namesAndValues[i + 1]);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
