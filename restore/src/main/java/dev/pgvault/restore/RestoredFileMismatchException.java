package dev.pgvault.restore;

import dev.pgvault.storage.codec.CorruptObjectException;

/** A restored file's bytes are not the ones its manifest entry records: size or SHA-256 differ. */
public class RestoredFileMismatchException extends CorruptObjectException {
    private final String path;

    public RestoredFileMismatchException(String path, String message) {
        super(message);
        this.path = path;
    }

    /** The file, relative to PGDATA. */
    public String path() {
        return path;
    }
}
