package dev.pgvault.storage;

import java.io.IOException;

/** A blob store failed: the message names the store and the key. */
public class StorageException extends IOException {
    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
