package dev.pgvault.restore;

/**
 * The restore refuses its destination: PGDATA or a tablespace location that is not empty, not a
 * directory, or not ours. Raised before anything in it is created or changed.
 */
public class TargetDirectoryException extends RestoreException {
    public TargetDirectoryException(String message) {
        super(message);
    }
}
