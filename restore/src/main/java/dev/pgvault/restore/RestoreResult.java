package dev.pgvault.restore;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What a restore did.
 *
 * @param settings the lines appended to postgresql.auto.conf
 * @param skipped files the backup holds that a restore never writes from it (backup_label ...)
 * @param delta what a delta restore kept and removed; null for a restore into an empty directory
 */
public record RestoreResult(String backupId, Path pgdata, int files, long bytes, Duration elapsed, List<String> settings,
        List<String> skipped, DeltaSummary delta) {
    public RestoreResult(String backupId, Path pgdata, int files, long bytes, Duration elapsed, List<String> settings,
            List<String> skipped) {
        this(backupId, pgdata, files, bytes, elapsed, settings, skipped, null);
    }
}
