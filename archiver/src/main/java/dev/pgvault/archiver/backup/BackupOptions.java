package dev.pgvault.archiver.backup;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How to run a backup.
 *
 * @param type only {@link BackupType#FULL} so far
 * @param processMax worker threads that read, compress and upload
 * @param archiveTimeout how long to wait for the backup's WAL to reach the repository
 * @param lockDirectory where the stanza's backup lock file lives (the temporary directory)
 * @param clock start and stop times, and so the backup id
 */
public record BackupOptions(BackupType type, int processMax, Duration archiveTimeout, Path lockDirectory, Clock clock) {

    public BackupOptions {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(archiveTimeout, "archiveTimeout");
        Objects.requireNonNull(lockDirectory, "lockDirectory");
        Objects.requireNonNull(clock, "clock");
        if (processMax < 1) {
            throw new IllegalArgumentException("process-max must be at least 1, not " + processMax);
        }
    }

    /** A backup with {@code processMax} workers, a 60 s archive wait, the lock in java.io.tmpdir. */
    public static BackupOptions of(BackupType type, int processMax) {
        return new BackupOptions(type, processMax, Duration.ofSeconds(60),
                Path.of(System.getProperty("java.io.tmpdir")), Clock.systemUTC());
    }

    public BackupOptions withArchiveTimeout(Duration timeout) {
        return new BackupOptions(type, processMax, timeout, lockDirectory, clock);
    }
}
