package dev.pgvault.restore;

import dev.pgvault.restore.recovery.RecoveryOptions;
import java.nio.file.Path;

/**
 * What to restore and how recovery should end.
 *
 * @param backupId the backup to restore, or null to choose the newest that can reach the target
 * @param restoreCommand PostgreSQL's restore_command, unquoted (see {@link RecoveryConfig#restoreCommand})
 * @param delta restore into an existing stopped data directory, rewriting only what differs (see {@link DeltaSync})
 */
public record RestoreRequest(Path pgdata, String backupId, RecoveryOptions recovery, String restoreCommand, boolean delta) {
    /** A restore into a missing or empty directory. */
    public RestoreRequest(Path pgdata, String backupId, RecoveryOptions recovery, String restoreCommand) {
        this(pgdata, backupId, recovery, restoreCommand, false);
    }
}
