package dev.pgvault.archiver.expire;

import java.time.Instant;
import java.util.List;

/**
 * What an expire removed (or, in a dry run, would remove), in the order it happens.
 *
 * @param verdicts every backup's verdict, oldest first
 * @param expired the backups removed, oldest first
 * @param wal the WAL removed, one range per timeline
 * @param garbage backup directories without a manifest that were removed
 * @param garbageLeft those left alone because something was written there within the garbage age
 */
public record ExpireReport(RetentionPolicy policy, boolean dryRun, List<BackupVerdict> verdicts,
        List<ExpiredBackup> expired, List<WalRange> wal, List<Garbage> garbage, List<Garbage> garbageLeft) {

    public ExpireReport {
        verdicts = List.copyOf(verdicts);
        expired = List.copyOf(expired);
        wal = List.copyOf(wal);
        garbage = List.copyOf(garbage);
        garbageLeft = List.copyOf(garbageLeft);
    }

    /** A backup removed: why, and the objects and stored bytes it held. */
    public record ExpiredBackup(BackupVerdict verdict, long objects, long storedBytes) {}

    /** Archived WAL files removed from one timeline: the lowest and highest name, how many, their bytes. */
    public record WalRange(int timeline, String first, String last, long files, long storedBytes) {}

    /**
     * A backup directory without a manifest: its objects and when it was last written to;
     * {@code running}: the backup this host is running now (left, whatever its age).
     */
    public record Garbage(String id, long objects, long storedBytes, Instant lastWritten, boolean running) {}

    /** Bytes removed from the repository (stored sizes). */
    public long bytesFreed() {
        long n = 0;
        for (ExpiredBackup e : expired) {
            n += e.storedBytes();
        }
        for (WalRange w : wal) {
            n += w.storedBytes();
        }
        for (Garbage g : garbage) {
            n += g.storedBytes();
        }
        return n;
    }
}
