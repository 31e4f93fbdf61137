package dev.pgvault.archiver.stream;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What a {@code wal-receive} last said of itself, stored in the repository (every few seconds,
 * and when it connects or loses its server) so that {@code info} and {@code metrics} on any host
 * see it: where it stands and how far behind the server's WAL it is.
 *
 * @param name its application_name
 * @param timeline the timeline it streams
 * @param received the end of the WAL it received
 * @param durable the end of the WAL durable in the repository with no gap before it: what the
 *     receiver reports as flushed (WAL it skipped without a slot, and the repository lacks,
 *     holds it at the gap's start)
 * @param serverEnd the end of the server's WAL as the server last told it
 * @param connected whether it was streaming when it wrote this
 * @param updated when it wrote this
 */
public record ReceiverStatus(String name, int timeline, Lsn received, Lsn durable, Lsn serverEnd, boolean connected,
        Instant updated) {
    private static final JsonFactory JSON = new JsonFactory();

    /** Bytes of the server's WAL not yet durable in the repository, as of {@link #updated}. */
    public long lagBytes() {
        return Math.max(0, serverEnd.value() - durable.value());
    }

    public void store(EncodedStore repo, RepositoryLayout layout) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(buf, JsonEncoding.UTF8)) {
            writeJson(g);
        }
        byte[] bytes = buf.toByteArray();
        repo.put(layout.receiverKey(name), out -> out.write(bytes));
    }

    /** This status as one JSON object (in {@code info --output json} under "receiver"). */
    public void writeJson(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", name);
        g.writeNumberField("timeline", timeline);
        g.writeStringField("received_lsn", received.toString());
        g.writeStringField("durable_lsn", durable.toString());
        g.writeStringField("server_lsn", serverEnd.toString());
        g.writeNumberField("lag_bytes", lagBytes());
        g.writeBooleanField("connected", connected);
        g.writeStringField("updated", updated.toString());
        g.writeEndObject();
    }

    /** Every receiver's status in the stanza, the most recently updated first; unreadable ones skipped. */
    public static List<ReceiverStatus> readAll(EncodedStore repo, RepositoryLayout layout) throws IOException {
        List<String> keys = ReceiverObjects.keys(repo, layout, RepositoryLayout.STATUS_SUFFIX);
        List<ReceiverStatus> out = new ArrayList<>();
        for (String key : keys) {
            try (InputStream in = repo.get(key)) {
                out.add(parse(in.readAllBytes()));
            } catch (IOException | IllegalArgumentException e) {
                // removed meanwhile, damaged, or not a status: one receiver's status never hides the rest
            }
        }
        out.sort(Comparator.comparing(ReceiverStatus::updated).reversed());
        return out;
    }

    static ReceiverStatus parse(byte[] json) throws IOException {
        Map<String, String> f = FlatJsonFields.read(json, "a receiver status");
        try {
            return new ReceiverStatus(f.get("name"), Integer.parseInt(f.get("timeline")), Lsn.parse(f.get("received_lsn")),
                    Lsn.parse(f.get("durable_lsn")), Lsn.parse(f.get("server_lsn")), Boolean.parseBoolean(f.get("connected")),
                    Instant.parse(f.get("updated")));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a receiver status: " + e.getMessage(), e);
        }
    }
}
