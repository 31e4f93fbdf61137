package dev.pgvault.restore;

import java.io.IOException;

/** A restore refused or failed for a reason its message names. */
public class RestoreException extends IOException {
    public RestoreException(String message) {
        super(message);
    }

    public RestoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
