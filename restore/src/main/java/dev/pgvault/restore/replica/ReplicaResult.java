package dev.pgvault.restore.replica;

import dev.pgvault.restore.RestoreResult;
import java.nio.file.Path;

/**
 * What replica bootstrap did.
 *
 * @param passfile the passfile holding the primary's password, or null when the connection string had none
 * @param serverLog where the started server logs, or null when not started
 */
public record ReplicaResult(RestoreResult restore, String primaryConninfo, String slot, SlotOutcome slotOutcome,
        Path passfile, Path serverLog) {

    public enum SlotOutcome {
        /** No slot: the standby relies on the archive for WAL the primary has recycled. */
        NONE,
        /** primary_slot_name written; the slot was not checked. */
        NAMED,
        CREATED,
        /** A physical, inactive slot of that name existed and is used as it is. */
        REUSED
    }
}
