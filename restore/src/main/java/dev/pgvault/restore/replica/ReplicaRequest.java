package dev.pgvault.restore.replica;

import dev.pgvault.restore.TablespaceRemap;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A standby to build from the repository.
 *
 * @param backupId the backup to restore, or null for the newest
 * @param primary how the standby reaches the primary; a password in it goes into a passfile
 * @param slot the primary's physical replication slot to stream through, or null
 * @param createSlot create {@code slot} on the primary (or reuse it when physical and inactive)
 * @param restoreCommand restore_command, unquoted (see {@link dev.pgvault.restore.RecoveryConfig#restoreCommand})
 * @param port the standby's port, written to postgresql.auto.conf; null keeps the backup's
 * @param startTimeout start PostgreSQL and wait this long for it to accept connections; null: do not start
 * @param delta restore into an existing, stopped data directory, rewriting only what differs (a
 *     standby that needs reseeding)
 * @param tablespaces new locations for the backup's tablespaces, {@link TablespaceRemap#NONE} to keep theirs
 * @param configuredPgdata the configuration's own data directory ({@code pg.data}), which a standby
 *     built elsewhere on its host must not harm; null when none
 * @param trustTimes with {@code delta}: files the last finished restore into the directory left
 *     untouched are judged from that backup's manifest, not read ({@code --trust-times})
 */
public record ReplicaRequest(Path pgdata, String backupId, ConnInfo primary, String slot, boolean createSlot,
        String restoreCommand, Integer port, Duration startTimeout, boolean delta, TablespaceRemap tablespaces,
        Path configuredPgdata, boolean trustTimes) {

    public ReplicaRequest {
        if (trustTimes && !delta) {
            throw new IllegalArgumentException("trusting the times of a restore's files is for a delta restore");
        }
        if (slot != null) {
            StandbySettings.checkSlotName(slot);
        }
        if (createSlot && slot == null) {
            throw new InvalidConnInfoException("--create-slot needs --slot NAME");
        }
        if (port != null && (port < 1 || port > 65535)) {
            throw new InvalidConnInfoException("--port must be 1 to 65535, not " + port);
        }
    }

    /** A request that reads every file a delta keeps. */
    public ReplicaRequest(Path pgdata, String backupId, ConnInfo primary, String slot, boolean createSlot,
            String restoreCommand, Integer port, Duration startTimeout, boolean delta, TablespaceRemap tablespaces,
            Path configuredPgdata) {
        this(pgdata, backupId, primary, slot, createSlot, restoreCommand, port, startTimeout, delta, tablespaces,
                configuredPgdata, false);
    }

    /** A request of no configured data directory. */
    public ReplicaRequest(Path pgdata, String backupId, ConnInfo primary, String slot, boolean createSlot,
            String restoreCommand, Integer port, Duration startTimeout, boolean delta, TablespaceRemap tablespaces) {
        this(pgdata, backupId, primary, slot, createSlot, restoreCommand, port, startTimeout, delta, tablespaces, null);
    }

    /** Into an empty or missing directory. */
    public ReplicaRequest(Path pgdata, String backupId, ConnInfo primary, String slot, boolean createSlot,
            String restoreCommand, Integer port, Duration startTimeout) {
        this(pgdata, backupId, primary, slot, createSlot, restoreCommand, port, startTimeout, false, TablespaceRemap.NONE);
    }
}
