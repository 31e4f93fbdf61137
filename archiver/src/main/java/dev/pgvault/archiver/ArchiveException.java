package dev.pgvault.archiver;

import java.io.IOException;

/** A WAL archive or stanza operation refused or failed for a reason it names. */
public class ArchiveException extends IOException {
    public ArchiveException(String message) {
        super(message);
    }
}
