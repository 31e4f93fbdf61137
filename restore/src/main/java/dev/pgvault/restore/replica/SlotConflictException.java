package dev.pgvault.restore.replica;

import dev.pgvault.restore.RestoreException;

/**
 * The replication slot asked for cannot be used: the primary holds a slot of that name that is
 * logical, or in use by another standby. Raised before anything is written.
 */
public class SlotConflictException extends RestoreException {
    public SlotConflictException(String message) {
        super(message);
    }
}
