package dev.pgvault.archiver.backup;

import java.time.Duration;

/**
 * A finished backup: its manifest, how long it took, and a notice for the user or null (why a
 * diff or incr was taken as a full).
 */
public record BackupResult(Manifest manifest, Duration elapsed, String notice) {

    public BackupResult(Manifest manifest, Duration elapsed) {
        this(manifest, elapsed, null);
    }
}
