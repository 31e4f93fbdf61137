package dev.pgvault.restore;

/**
 * The restore refuses its destination: PGDATA or a tablespace location that is not empty, not a
 * directory, not ours, or in a running cluster's files; a tablespace map that names what the
 * backup lacks or puts two tablespaces together; a host where the backup's running cluster has a
 * tablespace the backup lacks ({@link SameHostOriginal}). Raised before anything is created or
 * changed.
 */
public class TargetDirectoryException extends RestoreException {
    public TargetDirectoryException(String message) {
        super(message);
    }
}
