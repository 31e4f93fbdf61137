package dev.pgvault.cli;

import dev.pgvault.archiver.backup.BackupHeader;
import dev.pgvault.archiver.backup.StanzaInfo;
import dev.pgvault.archiver.async.ArchiverState;
import dev.pgvault.archiver.expire.RetentionPolicy;
import dev.pgvault.archiver.stream.ReceiverStatus;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@code pgvault info} for people: a header, a table of backups, the WAL range, the window. */
final class InfoTable {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private InfoTable() {}

    static String render(StanzaInfo info, RetentionPolicy retention) {
        return render(info, retention, ArchiverState.OFF);
    }

    static String render(StanzaInfo info, RetentionPolicy retention, ArchiverState archiver) {
        return render(info, retention, archiver, List.of());
    }

    static String render(StanzaInfo info, RetentionPolicy retention, ArchiverState archiver,
            List<ReceiverStatus> receivers) {
        StringBuilder out = new StringBuilder();
        out.append("stanza: ").append(info.stanza()).append('\n');
        out.append("  repository: ").append(info.repository()).append('\n');
        out.append("  cluster: system identifier ").append(info.cluster().systemIdentifierText())
                .append(", PostgreSQL ").append(info.cluster().pgVersionNum()).append('\n');
        out.append('\n');
        if (info.backups().isEmpty()) {
            out.append("backups: none yet (run 'pgvault backup' on the database host)\n");
        } else {
            out.append("backups (").append(info.backups().size()).append(", times UTC):\n");
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"id", "type", "parent", "start", "stop", "start lsn", "stop lsn", "tli", "size", "stored",
                "keep", "bad pages"});
            for (BackupHeader m : info.backups()) {
                rows.add(new String[] {m.id(), m.type().word(), m.parent() == null ? "-" : m.parent(), time(m.startTime()), time(m.stopTime()),
                    m.startLsn().toString(), m.stopLsn().toString(), String.valueOf(m.timeline()),
                    Sizes.human(m.totals().sizeBytes()), Sizes.human(m.totals().storedBytes()), info.pinned().contains(m.id()) ? "yes" : "-",
                    String.valueOf(m.totals().badPages())});
            }
            table(rows, out);
        }
        out.append("archiver: ").append(archiver.async() ? "async, spool " + archiver.spool() + (archiver.running()
                ? ", running" : ", not running now") + archiver.status().map(s -> "; last status " + s).orElse("")
                : "synchronous (one push per archive_command call)").append('\n');
        for (ReceiverStatus r : receivers) {
            out.append("receiver ").append(r.name()).append(": ").append(r.connected() ? "streaming" : "not streaming")
                    .append(" timeline ").append(r.timeline()).append(", durable to ").append(r.durable())
                    .append(", ").append(Sizes.human(r.lagBytes())).append(" behind the server, as of ")
                    .append(time(r.updated())).append(" UTC\n");
        }
        out.append("retention: ").append(retention.isSet() ? retention.describe() : "none set (backups are kept until"
                + " removed; see retention in the configuration)").append('\n');
        out.append('\n');
        StanzaInfo.WalRange wal = info.archive();
        if (wal.min() == null) {
            out.append("wal archive: empty\n");
        } else {
            out.append("wal archive: ").append(wal.min()).append(" .. ").append(wal.max()).append(" (")
                    .append(wal.segments()).append(wal.segments() == 1 ? " segment)\n" : " segments)\n");
        }
        Optional<StanzaInfo.Recoverable> r = info.recoverable();
        if (r.isEmpty()) {
            out.append("recoverable: nothing yet (no backup)\n");
        } else {
            StanzaInfo.Recoverable w = r.get();
            out.append("recoverable: from ").append(time(w.earliestTime())).append(" UTC (lsn ")
                    .append(w.earliestLsn()).append(", end of backup ").append(w.earliestBackup()).append(")");
            if (w.latestWal() == null) {
                out.append(" - the archive does not reach it yet\n");
            } else if (w.latestStreamed()) {
                out.append(" to lsn ").append(w.latestLsn()).append(", streamed into ").append(w.latestWal())
                        .append(" by wal-receive\n");
            } else {
                out.append(" to the end of ").append(w.latestWal()).append(" (lsn ").append(w.latestLsn()).append(")\n");
            }
        }
        return out.toString();
    }

    private static String time(Instant t) {
        return TIME.format(t);
    }

    private static void table(List<String[]> rows, StringBuilder out) {
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder("  ");
            for (int i = 0; i < row.length; i++) {
                line.append(row[i]);
                if (i < row.length - 1) {
                    line.append(" ".repeat(width[i] - row[i].length() + 2));
                }
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }
}
