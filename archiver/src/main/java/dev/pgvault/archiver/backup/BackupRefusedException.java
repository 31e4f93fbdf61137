package dev.pgvault.archiver.backup;

import dev.pgvault.archiver.ArchiveException;

/** The cluster is not set up so that a backup could ever be restored (archiving off, say). */
public class BackupRefusedException extends ArchiveException {
    public BackupRefusedException(String message) {
        super(message);
    }
}
