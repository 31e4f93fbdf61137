package dev.pgvault.restore.replica;

import dev.pgvault.restore.RecoveryConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The settings a replica's postgresql.auto.conf gets: restore_command first, so the standby replays
 * what the archive holds, and primary_conninfo (with primary_slot_name), so it then streams; along
 * the latest timeline, so it follows the primary across promotions. No recovery target: a standby
 * recovers until it is promoted.
 */
public final class StandbySettings {
    /** PostgreSQL's rule for slot names (ReplicationSlotValidateName). */
    private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");

    private StandbySettings() {}

    /**
     * @param primary the connection string as written: without a password
     * @param slot null for none
     * @param port null to keep the backup's
     */
    static List<String> lines(ConnInfo primary, String slot, String restoreCommand, Integer port) {
        if (primary.get(ConnInfo.PASSWORD).isPresent()) {
            throw new IllegalStateException("a password must go into a passfile, not postgresql.auto.conf");
        }
        List<String> lines = new ArrayList<>();
        lines.add("restore_command = " + RecoveryConfig.quote(restoreCommand));
        lines.add("recovery_target_timeline = 'latest'");
        lines.add("primary_conninfo = " + RecoveryConfig.quote(primary.format()));
        if (slot != null) {
            lines.add("primary_slot_name = " + RecoveryConfig.quote(slot));
        }
        if (port != null) {
            lines.add("port = " + port);
        }
        return lines;
    }

    /** Refuses a name PostgreSQL would refuse. */
    public static String checkSlotName(String name) {
        if (!SLOT_NAME.matcher(name).matches()) {
            throw new InvalidConnInfoException("replication slot name '" + name
                    + "' is not valid: use 1 to 63 lower-case letters, digits and underscores");
        }
        return name;
    }
}
