package dev.pgvault.archiver.backup;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How to run a backup.
 *
 * @param type full, diff or incr (a diff or incr with nothing to build on is taken as a full)
 * @param processMax worker threads that read, compress and upload
 * @param archiveTimeout how long to wait for the backup's WAL to reach the repository
 * @param lockDirectory where the stanza's backup lock file lives (the temporary directory)
 * @param clock start and stop times, and so the backup id
 * @param partSize a file larger than this is stored as several objects (parts) of at most this
 *     many bytes, so that several workers back it up and restore it at once; a multiple of 8 KiB
 * @param pgBin PostgreSQL's bin directory, where an incremental backup finds pg_waldump; null for
 *     the PATH
 */
public record BackupOptions(BackupType type, int processMax, Duration archiveTimeout, Path lockDirectory, Clock clock,
        long partSize, Path pgBin) {

    /**
     * Large enough that a part's fixed costs (a request, a compression frame, a manifest entry)
     * vanish; small enough that the largest table, hundreds of MB, keeps two workers busy.
     */
    public static final long DEFAULT_PART_SIZE = 128L << 20;

    public BackupOptions {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(archiveTimeout, "archiveTimeout");
        Objects.requireNonNull(lockDirectory, "lockDirectory");
        Objects.requireNonNull(clock, "clock");
        if (processMax < 1) {
            throw new IllegalArgumentException("process-max must be at least 1, not " + processMax);
        }
        if (partSize < PageChecksum.PAGE_SIZE || partSize % PageChecksum.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("part size must be a positive multiple of 8 KiB, not " + partSize);
        }
    }

    /** A backup with {@code processMax} workers, a 60 s archive wait, the lock in java.io.tmpdir. */
    public static BackupOptions of(BackupType type, int processMax) {
        return new BackupOptions(type, processMax, Duration.ofSeconds(60),
                Path.of(System.getProperty("java.io.tmpdir")), Clock.systemUTC(), DEFAULT_PART_SIZE, null);
    }

    public BackupOptions withArchiveTimeout(Duration timeout) {
        return new BackupOptions(type, processMax, timeout, lockDirectory, clock, partSize, pgBin);
    }

    public BackupOptions withClock(Clock c) {
        return new BackupOptions(type, processMax, archiveTimeout, lockDirectory, c, partSize, pgBin);
    }

    public BackupOptions withPartSize(long bytes) {
        return new BackupOptions(type, processMax, archiveTimeout, lockDirectory, clock, bytes, pgBin);
    }

    public BackupOptions withPgBin(Path bin) {
        return new BackupOptions(type, processMax, archiveTimeout, lockDirectory, clock, partSize, bin);
    }
}
