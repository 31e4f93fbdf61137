package dev.pgvault.ha.pg;

/**
 * pg_rewind (or its preparation) could not reach or ask the source server, so nothing in the
 * target was changed: worth trying again, never a reason to give up the data directory.
 */
public final class SourceUnreachableException extends PgControlException {
    public SourceUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }

    public SourceUnreachableException(String message) {
        super(message);
    }
}
