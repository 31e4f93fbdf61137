package dev.pgvault.ha.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.ha.cluster.ClusterState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The cluster as JSON: what {@code GET /cluster} answers and {@code pgvault ha list --output json}
 * prints. Unknown values (timeline 0, lsn 0, lag) are null rather than a number that looks real.
 */
public final class ClusterJson {
    private static final JsonFactory JSON = new JsonFactory();

    private ClusterJson() {}

    public static String write(String cluster, ClusterState state) {
        return write(ClusterView.of(cluster, state));
    }

    public static String write(ClusterView view) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("cluster", view.cluster());
            g.writeStringField("leader", view.leader());
            g.writeBooleanField("paused", view.pausedSince() != null);
            if (view.pausedSince() != null) {
                g.writeStringField("paused_since", view.pausedSince().toString());
            }
            g.writeArrayFieldStart("members");
            for (ClusterView.Row m : view.members()) {
                g.writeStartObject();
                g.writeStringField("name", m.name());
                g.writeStringField("role", m.role() == null ? null : m.role().label());
                g.writeStringField("state", m.state());
                g.writeStringField("host", m.host());
                g.writeNumberField("port", m.port());
                g.writeStringField("api_url", m.apiUrl());
                writeTimeline(g, m.timeline());
                writeLsn(g, m.lsn());
                g.writeFieldName("lag_bytes");
                if (m.lagBytes() == null) {
                    g.writeNull();
                } else {
                    g.writeNumber(m.lagBytes());
                }
                g.writeBooleanField("leader", m.leader());
                g.writeBooleanField("sync_standby", m.syncStandby());
                g.writeArrayFieldStart("tags");
                for (String t : m.tags()) {
                    g.writeString(t);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    static void writeTimeline(JsonGenerator g, int timeline) throws IOException {
        g.writeFieldName("timeline");
        if (timeline == 0) {
            g.writeNull();
        } else {
            g.writeNumber(timeline);
        }
    }

    static void writeLsn(JsonGenerator g, long lsn) throws IOException {
        g.writeStringField("lsn", lsn == 0 ? null : new Lsn(lsn).toString());
    }
}
