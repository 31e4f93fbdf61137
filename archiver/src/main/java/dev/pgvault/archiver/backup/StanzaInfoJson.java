package dev.pgvault.archiver.backup;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.pgvault.archiver.async.ArchiverState;
import dev.pgvault.archiver.expire.ExpireReportJson;
import dev.pgvault.archiver.expire.RetentionPolicy;
import dev.pgvault.archiver.stream.ReceiverStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

/**
 * {@code pgvault info --output json}: a stable shape for scripts and monitoring.
 * <pre>
 * {"stanza": "main",
 *  "backups": [{"id", "type", "parent", "start_time", "stop_time", "start_lsn", "stop_lsn",
 *               "timeline", "size_bytes", "stored_bytes", "keep"}, ...],  oldest first; keep: pinned
 *  "archive": {"min": segment or null, "max": segment or null},
 *  "recoverable": null, or {"earliest": {"backup", "time", "lsn"}, "latest": null or {"wal", "lsn",
 *               "streamed"}},   streamed: the latest point is in a segment wal-receive has in progress
 *  "retention": {"full": n or null, "window": "14d" or null},             the rules in force
 *  "archiver": {"async", "spool", "running", "status": {"queued", "in_flight", "last_pushed",
 *               "last_pushed_at", "last_failure", "last_failure_at", ...} or null},  this host's
 *  "receiver": null, or {"name", "timeline", "received_lsn", "durable_lsn", "server_lsn", "lag_bytes",
 *               "connected", "updated"}}           wal-receive's last status (the newest, if several)
 * </pre>
 * Times are ISO-8601 in UTC; LSNs are PostgreSQL's text form.
 */
public final class StanzaInfoJson {
    private static final JsonFactory JSON = new JsonFactory();

    private StanzaInfoJson() {}

    /** {@code retention}: the rules in force (the configuration's), shown as they are. */
    public static void write(StanzaInfo info, RetentionPolicy retention, OutputStream out) throws IOException {
        write(info, retention, ArchiverState.OFF, out);
    }

    /** {@code archiver}: the resident archiver of this host, shown under "archiver". */
    public static void write(StanzaInfo info, RetentionPolicy retention, ArchiverState archiver, OutputStream out)
            throws IOException {
        write(info, retention, archiver, List.of(), out);
    }

    /**
     * {@code receivers}: the stanza's wal-receive statuses, the most recently updated first; that
     * one is shown under "receiver" (null when there is none).
     */
    public static void write(StanzaInfo info, RetentionPolicy retention, ArchiverState archiver,
            List<ReceiverStatus> receivers, OutputStream out) throws IOException {
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("stanza", info.stanza());
            g.writeArrayFieldStart("backups");
            for (BackupHeader m : info.backups()) {
                g.writeStartObject();
                g.writeStringField("id", m.id());
                g.writeStringField("type", m.type().name().toLowerCase());
                g.writeStringField("parent", m.parent());
                g.writeStringField("start_time", m.startTime().toString());
                g.writeStringField("stop_time", m.stopTime().toString());
                g.writeStringField("start_lsn", m.startLsn().toString());
                g.writeStringField("stop_lsn", m.stopLsn().toString());
                g.writeNumberField("timeline", m.timeline());
                g.writeNumberField("size_bytes", m.totals().sizeBytes());
                g.writeNumberField("stored_bytes", m.totals().storedBytes());
                g.writeBooleanField("keep", info.pinned().contains(m.id()));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeObjectFieldStart("archive");
            g.writeStringField("min", info.archive().min());
            g.writeStringField("max", info.archive().max());
            g.writeEndObject();
            Optional<StanzaInfo.Recoverable> r = info.recoverable();
            if (r.isEmpty()) {
                g.writeNullField("recoverable");
            } else {
                g.writeObjectFieldStart("recoverable");
                g.writeObjectFieldStart("earliest");
                g.writeStringField("backup", r.get().earliestBackup());
                g.writeStringField("time", r.get().earliestTime().toString());
                g.writeStringField("lsn", r.get().earliestLsn().toString());
                g.writeEndObject();
                if (r.get().latestWal() == null) {
                    g.writeNullField("latest");
                } else {
                    g.writeObjectFieldStart("latest");
                    g.writeStringField("wal", r.get().latestWal());
                    g.writeStringField("lsn", r.get().latestLsn().toString());
                    g.writeBooleanField("streamed", r.get().latestStreamed());
                    g.writeEndObject();
                }
                g.writeEndObject();
            }
            ExpireReportJson.writeRetention(g, retention);
            archiver.writeJson(g);
            g.writeFieldName("receiver");
            if (receivers.isEmpty()) {
                g.writeNull();
            } else {
                receivers.get(0).writeJson(g);
            }
            g.writeEndObject();
            g.flush();
        }
        out.write('\n');
    }
}
