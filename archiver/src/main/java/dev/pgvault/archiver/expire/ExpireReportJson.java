package dev.pgvault.archiver.expire;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;

/**
 * {@code pgvault expire --output json}:
 * <pre>
 * {"stanza", "dry_run": bool, "retention": {"full": n or null, "window": "14d" or null},
 *  "expired": [{"id", "reason", "objects", "stored_bytes"}],       oldest first
 *  "kept": [{"id", "reason", "pinned"}],                            oldest first
 *  "wal_removed": [{"timeline", "first", "last", "files", "stored_bytes"}],
 *  "garbage_removed": [{"id", "objects", "stored_bytes", "last_written", "running"}],
 *  "garbage_left": [...same...],
 *  "bytes_freed": n}
 * </pre>
 * In a dry run, what would be removed.
 */
public final class ExpireReportJson {
    private static final JsonFactory JSON = new JsonFactory();

    private ExpireReportJson() {}

    public static void write(String stanza, ExpireReport r, OutputStream out) throws IOException {
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("stanza", stanza);
            g.writeBooleanField("dry_run", r.dryRun());
            writeRetention(g, r.policy());
            g.writeArrayFieldStart("expired");
            for (ExpireReport.ExpiredBackup e : r.expired()) {
                g.writeStartObject();
                g.writeStringField("id", e.verdict().backup().id());
                g.writeStringField("reason", e.verdict().reason());
                g.writeNumberField("objects", e.objects());
                g.writeNumberField("stored_bytes", e.storedBytes());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("kept");
            for (BackupVerdict v : r.verdicts()) {
                if (v.keep()) {
                    g.writeStartObject();
                    g.writeStringField("id", v.backup().id());
                    g.writeStringField("reason", v.reason());
                    g.writeBooleanField("pinned", v.pinned());
                    g.writeEndObject();
                }
            }
            g.writeEndArray();
            g.writeArrayFieldStart("wal_removed");
            for (ExpireReport.WalRange w : r.wal()) {
                g.writeStartObject();
                g.writeNumberField("timeline", w.timeline());
                g.writeStringField("first", w.first());
                g.writeStringField("last", w.last());
                g.writeNumberField("files", w.files());
                g.writeNumberField("stored_bytes", w.storedBytes());
                g.writeEndObject();
            }
            g.writeEndArray();
            garbage(g, "garbage_removed", r.garbage());
            garbage(g, "garbage_left", r.garbageLeft());
            g.writeNumberField("bytes_freed", r.bytesFreed());
            g.writeEndObject();
            g.flush();
        }
        out.write('\n');
    }

    /** {@code "retention": {"full": n or null, "window": "14d" or null}}, as info writes it too. */
    public static void writeRetention(JsonGenerator g, RetentionPolicy policy) throws IOException {
        g.writeObjectFieldStart("retention");
        if (policy.full().isPresent()) {
            g.writeNumberField("full", policy.full().getAsInt());
        } else {
            g.writeNullField("full");
        }
        g.writeStringField("window", policy.window().map(RetentionDuration::format).orElse(null));
        g.writeEndObject();
    }

    private static void garbage(JsonGenerator g, String field, java.util.List<ExpireReport.Garbage> list)
            throws IOException {
        g.writeArrayFieldStart(field);
        for (ExpireReport.Garbage x : list) {
            g.writeStartObject();
            g.writeStringField("id", x.id());
            g.writeNumberField("objects", x.objects());
            g.writeNumberField("stored_bytes", x.storedBytes());
            g.writeStringField("last_written", x.lastWritten().toString());
            g.writeBooleanField("running", x.running());
            g.writeEndObject();
        }
        g.writeEndArray();
    }
}
