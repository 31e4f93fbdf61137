package dev.pgvault.archiver.backup;

import dev.pgvault.archiver.ArchiveException;

/** Another backup of the stanza is running on this host: it holds the stanza's backup lock. */
public class BackupLockedException extends ArchiveException {
    public BackupLockedException(String message) {
        super(message);
    }
}
