package dev.pgvault.ha.pg;

/** A PostgreSQL program or query failed; the message is one line naming what and why. */
public class PgControlException extends Exception {
    public PgControlException(String message) {
        super(message);
    }

    public PgControlException(String message, Throwable cause) {
        super(message, cause);
    }
}
