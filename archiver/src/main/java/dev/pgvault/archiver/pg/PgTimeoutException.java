package dev.pgvault.archiver.pg;

/** PostgreSQL did not finish what was asked within the time allowed. */
public class PgTimeoutException extends PgException {
    public PgTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
