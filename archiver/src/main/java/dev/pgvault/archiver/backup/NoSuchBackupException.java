package dev.pgvault.archiver.backup;

import dev.pgvault.archiver.ArchiveException;

/** A backup id that names no complete backup of the stanza. */
public class NoSuchBackupException extends ArchiveException {
    public NoSuchBackupException(String message) {
        super(message);
    }
}
