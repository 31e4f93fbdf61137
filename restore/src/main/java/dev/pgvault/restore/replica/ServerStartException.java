package dev.pgvault.restore.replica;

import dev.pgvault.restore.RestoreException;

/** The restored standby was written completely, but PostgreSQL did not start on it: the message names the log. */
public class ServerStartException extends RestoreException {
    public ServerStartException(String message) {
        super(message);
    }
}
