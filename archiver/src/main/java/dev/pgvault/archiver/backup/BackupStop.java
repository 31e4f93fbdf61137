package dev.pgvault.archiver.backup;

import dev.pgvault.archiver.wal.Lsn;
import java.time.Instant;
import java.util.Comparator;

/** Where a backup ended: what choosing a backup for a recovery target, or the newest one, compares. */
public interface BackupStop {
    /** Oldest to newest: by stop time, then stop LSN, then id (ids sort by start time). */
    Comparator<BackupStop> BY_STOP = Comparator.comparing(BackupStop::stopTime).thenComparing(BackupStop::stopLsn)
            .thenComparing(BackupStop::id);

    String id();

    Instant stopTime();

    Lsn stopLsn();
}
