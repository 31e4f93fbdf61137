package dev.pgvault.archiver.pg;

/** PostgreSQL could not be reached, or refused what was asked. */
public class PgException extends Exception {
    public PgException(String message, Throwable cause) {
        super(message, cause);
    }

    public PgException(String message) {
        super(message);
    }
}
