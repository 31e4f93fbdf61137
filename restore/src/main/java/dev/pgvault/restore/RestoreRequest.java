package dev.pgvault.restore;

import dev.pgvault.restore.recovery.RecoveryOptions;
import java.nio.file.Path;

/**
 * What to restore and how recovery should end.
 *
 * @param backupId the backup to restore, or null to choose the newest that can reach the target
 * @param restoreCommand PostgreSQL's restore_command, unquoted (see {@link RecoveryConfig#restoreCommand})
 */
public record RestoreRequest(Path pgdata, String backupId, RecoveryOptions recovery, String restoreCommand) {}
