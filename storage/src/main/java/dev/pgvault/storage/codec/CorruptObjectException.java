package dev.pgvault.storage.codec;

import java.io.IOException;

/**
 * A stored object is not what its writer wrote: a bad header, a failed authentication tag, a
 * damaged compressed stream, a checksum or length mismatch, truncation or extra bytes. Messages
 * never contain key material.
 */
public class CorruptObjectException extends IOException {
    public CorruptObjectException(String message) {
        super(message);
    }

    public CorruptObjectException(String message, Throwable cause) {
        super(message, cause);
    }
}
