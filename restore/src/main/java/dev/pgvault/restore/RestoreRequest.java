package dev.pgvault.restore;

import dev.pgvault.restore.recovery.RecoveryOptions;
import java.nio.file.Path;

/**
 * What to restore and how recovery should end.
 *
 * @param backupId the backup to restore, or null to choose the newest that can reach the target
 * @param restoreCommand PostgreSQL's restore_command, unquoted (see {@link RecoveryConfig#restoreCommand})
 * @param delta restore into an existing stopped data directory, rewriting only what differs (see {@link DeltaSync})
 * @param archiveMode whether the copy keeps the backup's archive_mode or has it turned off
 * @param tablespaces new locations for the backup's tablespaces, {@link TablespaceRemap#NONE} to keep theirs
 * @param trustTimes with {@code delta}: files the last finished restore left untouched are judged
 *     by their size and times, not read (see {@link RestoredCopy})
 * @param configuredPgdata the configuration's own data directory ({@code pg.data}), which a
 *     restore elsewhere on its host must not harm ({@link SameHostOriginal}); null when none
 */
public record RestoreRequest(Path pgdata, String backupId, RecoveryOptions recovery, String restoreCommand, boolean delta,
        ArchiveMode archiveMode, TablespaceRemap tablespaces, boolean trustTimes, Path configuredPgdata) {
    public RestoreRequest {
        if (trustTimes && !delta) {
            throw new IllegalArgumentException("trusting the times of a restore's files is for a delta restore");
        }
    }

    /** A request of no configured data directory. */
    public RestoreRequest(Path pgdata, String backupId, RecoveryOptions recovery, String restoreCommand, boolean delta,
            ArchiveMode archiveMode, TablespaceRemap tablespaces, boolean trustTimes) {
        this(pgdata, backupId, recovery, restoreCommand, delta, archiveMode, tablespaces, trustTimes, null);
    }

    /** A restore reading every file a delta keeps. */
    public RestoreRequest(Path pgdata, String backupId, RecoveryOptions recovery, String restoreCommand, boolean delta,
            ArchiveMode archiveMode, TablespaceRemap tablespaces) {
        this(pgdata, backupId, recovery, restoreCommand, delta, archiveMode, tablespaces, false, null);
    }

    /** A restore into a missing or empty directory. */
    public RestoreRequest(Path pgdata, String backupId, RecoveryOptions recovery, String restoreCommand) {
        this(pgdata, backupId, recovery, restoreCommand, false, ArchiveMode.PRESERVE, TablespaceRemap.NONE, false, null);
    }
}
