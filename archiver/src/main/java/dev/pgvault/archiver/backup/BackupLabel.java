package dev.pgvault.archiver.backup;

import dev.pgvault.archiver.wal.Lsn;

/**
 * The facts a backup_label file states, as pg_backup_stop returns it:
 * <pre>
 * START WAL LOCATION: 0/2000028 (file 000000010000000000000002)
 * CHECKPOINT LOCATION: 0/2000060
 * BACKUP METHOD: streamed
 * BACKUP FROM: primary
 * START TIME: 2026-11-26 03:15:00 UTC
 * LABEL: pgvault 20261126-031500F
 * START TIMELINE: 1
 * </pre>
 */
public record BackupLabel(Lsn startLsn, String startWal, int timeline) {

    public static BackupLabel parse(String text) {
        Lsn lsn = null;
        String wal = null;
        Integer timeline = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("START WAL LOCATION: ")) {
                String rest = line.substring("START WAL LOCATION: ".length()).strip();
                int space = rest.indexOf(' ');
                int file = rest.indexOf("(file ");
                int close = rest.indexOf(')', Math.max(file, 0));
                if (space < 0 || file < 0 || close < 0) {
                    throw malformed(text, line);
                }
                lsn = Lsn.parse(rest.substring(0, space));
                wal = rest.substring(file + "(file ".length(), close).strip();
            } else if (line.startsWith("START TIMELINE: ")) {
                try {
                    timeline = Integer.parseInt(line.substring("START TIMELINE: ".length()).strip());
                } catch (NumberFormatException e) {
                    throw malformed(text, line);
                }
            }
        }
        if (lsn == null || timeline == null) {
            throw malformed(text, "START WAL LOCATION or START TIMELINE missing");
        }
        return new BackupLabel(lsn, wal, timeline);
    }

    private static IllegalStateException malformed(String text, String what) {
        return new IllegalStateException("PostgreSQL returned a backup label pgvault cannot read (" + what + "): "
                + text.strip().replace('\n', '|'));
    }
}
