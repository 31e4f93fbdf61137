package dev.pgvault.archiver.expire;

import dev.pgvault.archiver.backup.BackupHeader;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.TimelineHistory;
import dev.pgvault.archiver.wal.WalFileKind;
import dev.pgvault.archiver.wal.WalFileName;
import java.util.List;
import java.util.Map;

/**
 * Which archived WAL files the kept backups no longer need, judged by LSN along timeline
 * histories, not by name: a pure function, tested on its own.
 *
 * <p>A file of timeline T covering LSNs [s, e) may go only when both hold:
 * <ul>
 * <li><b>no kept backup needs it.</b> A replayable backup B (kept by a rule, or the newest) needs
 *     every file after its start on every timeline its recovery can follow: its own, and each
 *     timeline whose history leaves B's timeline after B's start ({@code e > B.start}). A backup
 *     kept only because it is pinned needs the segments from its start to its stop on its own
 *     timeline.
 * <li><b>a kept backup has left it behind.</b> T is B's timeline or one of its ancestors, and
 *     the file ends at or before B's start, or lies on an ancestor after the point where B's
 *     history left it (WAL an old primary wrote after a failover). WAL that no kept backup's
 *     history passes through (a timeline branched off before every kept backup, a backup under
 *     way on a timeline none of them reaches) stays: only a newer backup can say it is not needed.
 * </ul>
 * A timeline above 1 whose history file is missing has unknown ancestors: its files stay, and
 * no backup on it leaves another timeline behind. History files are never removed.
 */
public final class WalRetention {
    private final long segmentSize;
    private final Map<Integer, TimelineHistory> histories;
    private final List<BackupVerdict> kept;

    /**
     * @param histories the parsed history files, by timeline
     * @param kept the verdicts of the backups that stay
     */
    public WalRetention(long segmentSize, Map<Integer, TimelineHistory> histories, List<BackupVerdict> kept) {
        this.segmentSize = segmentSize;
        this.histories = Map.copyOf(histories);
        this.kept = kept.stream().filter(BackupVerdict::keep).toList();
    }

    /** Whether the archived file {@code name} can be removed. */
    public boolean removable(WalFileName name) {
        if (name.kind() == WalFileKind.HISTORY || kept.isEmpty()) {
            return false;
        }
        long n = name.segmentNumber(segmentSize);
        long start = n * segmentSize;
        long end = start + segmentSize;
        for (BackupVerdict v : kept) {
            if (needs(v, name.timeline(), n, end)) {
                return false;
            }
        }
        for (BackupVerdict v : kept) {
            if (leftBehind(v.backup(), name.timeline(), start, end)) {
                return true;
            }
        }
        return false;
    }

    private boolean needs(BackupVerdict v, int tli, long n, long end) {
        BackupHeader b = v.backup();
        if (!v.replayable()) {
            return tli == b.timeline() && n >= segmentOf(b.startWal()) && n <= segmentOf(b.stopWal());
        }
        return Long.compareUnsigned(end, b.startLsn().value()) > 0 && reachable(b, tli);
    }

    /** Whether recovery from {@code b} can follow timeline {@code tli}. */
    private boolean reachable(BackupHeader b, int tli) {
        if (tli == b.timeline()) {
            return true;
        }
        TimelineHistory h = history(tli);
        if (h == null) {
            return true; // unknown ancestry: it may descend from b's timeline
        }
        return h.contains(b.timeline()) && h.endOf(b.timeline()).compareTo(b.startLsn()) >= 0;
    }

    private boolean leftBehind(BackupHeader b, int tli, long start, long end) {
        long bStart = b.startLsn().value();
        if (tli == b.timeline()) {
            return Long.compareUnsigned(end, bStart) <= 0;
        }
        TimelineHistory h = history(b.timeline());
        if (h == null || !h.contains(tli)) {
            return false;
        }
        Lsn leftAt = h.endOf(tli);
        return Long.compareUnsigned(end, bStart) <= 0 || Long.compareUnsigned(start, leftAt.value()) >= 0;
    }

    private TimelineHistory history(int tli) {
        TimelineHistory h = histories.get(tli);
        if (h == null && tli == 1) {
            return TimelineHistory.root(1);
        }
        return h;
    }

    private long segmentOf(String walName) {
        return WalFileName.parse(walName).segmentNumber(segmentSize);
    }
}
