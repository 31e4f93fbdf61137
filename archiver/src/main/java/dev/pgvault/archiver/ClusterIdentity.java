package dev.pgvault.archiver;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Which PostgreSQL cluster a stanza belongs to: recorded by {@code init} in cluster.json and
 * checked against every segment pushed, so WAL from another cluster never lands in this stanza.
 */
public record ClusterIdentity(long systemIdentifier, int pgVersionNum, int walSegmentSize, Instant created) {

    private static final JsonFactory JSON = new JsonFactory();

    /** Same cluster: the creation time does not matter. */
    public boolean sameClusterAs(ClusterIdentity o) {
        return systemIdentifier == o.systemIdentifier && pgVersionNum == o.pgVersionNum
                && walSegmentSize == o.walSegmentSize;
    }

    public String systemIdentifierText() {
        return Long.toUnsignedString(systemIdentifier);
    }

    public byte[] toJson() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            // As text: system identifiers use all 64 bits and JSON readers often stop at 53.
            g.writeStringField("system_identifier", systemIdentifierText());
            g.writeNumberField("pg_version_num", pgVersionNum);
            g.writeNumberField("wal_segment_size", walSegmentSize);
            g.writeStringField("created", created.toString());
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    public static ClusterIdentity fromJson(byte[] json) throws IOException {
        Long sysid = null;
        Integer version = null;
        Integer segSize = null;
        Instant created = null;
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("cluster.json is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "system_identifier" -> sysid = Long.parseUnsignedLong(p.getText());
                    case "pg_version_num" -> version = p.getIntValue();
                    case "wal_segment_size" -> segSize = p.getIntValue();
                    case "created" -> created = Instant.parse(p.getText());
                    default -> p.skipChildren();
                }
            }
        } catch (RuntimeException e) {
            throw new IOException("cluster.json is malformed: " + e.getMessage(), e);
        }
        if (sysid == null || version == null || segSize == null) {
            throw new IOException("cluster.json lacks system_identifier, pg_version_num or wal_segment_size: "
                    + new String(json, StandardCharsets.UTF_8).strip().replace('\n', ' '));
        }
        return new ClusterIdentity(sysid, version, segSize, created == null ? Instant.EPOCH : created);
    }
}
