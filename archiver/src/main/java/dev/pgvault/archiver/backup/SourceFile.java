package dev.pgvault.archiver.backup;

import java.nio.file.Path;

/**
 * A regular file of the cluster as the scan saw it: {@code path} relative to PGDATA (what the
 * manifest records), {@code file} where to read it. Size and time may be stale by the time the
 * file is read: PostgreSQL keeps writing during a backup.
 */
public record SourceFile(String path, Path file, long size, long mtime, int mode) {}
