package dev.pgvault.archiver.expire;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.backup.BackupHeader;
import dev.pgvault.archiver.backup.BackupType;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.WalFileName;
import java.time.Duration;
import java.time.Instant;

/** Backups' headers with just what retention looks at: times, LSNs, timeline, parent. */
final class Backups {
    static final long SEG = 16L * 1024 * 1024;
    static final Instant DAY0 = Instant.parse("2026-11-01T02:00:00Z");
    private static final ClusterIdentity CLUSTER = new ClusterIdentity(1, 150004, (int) SEG, Instant.EPOCH);

    private Backups() {}

    /** A full backup taken on day {@code day} at 02:00 (10 minutes long), on {@code tli} from segment {@code start} to {@code stop}. */
    static BackupHeader full(int day, int tli, long start, long stop) {
        Instant t = DAY0.plus(Duration.ofDays(day));
        String id = dev.pgvault.archiver.backup.BackupId.of(t, BackupType.FULL);
        return new BackupHeader(id, BackupType.FULL, null, t, t.plus(Duration.ofMinutes(10)), new Lsn(start * SEG + 0x28),
                new Lsn(stop * SEG + 0x100), tli, segment(tli, start), segment(tli, stop), CLUSTER, true,
                new dev.pgvault.archiver.backup.BackupTotals(1 << 20, 1 << 18, 0));
    }

    static String segment(int tli, long n) {
        return WalFileName.segmentName(tli, n, SEG);
    }
}
