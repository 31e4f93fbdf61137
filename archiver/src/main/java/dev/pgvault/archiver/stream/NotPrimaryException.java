package dev.pgvault.archiver.stream;

import dev.pgvault.archiver.pg.PgException;

/** The server wal-receive connected to is a standby: it streams only from the primary. */
public final class NotPrimaryException extends PgException {
    public NotPrimaryException(String message) {
        super(message);
    }
}
