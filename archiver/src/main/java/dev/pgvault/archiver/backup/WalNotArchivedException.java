package dev.pgvault.archiver.backup;

import dev.pgvault.archiver.ArchiveException;

/** The WAL a backup needs did not reach the repository in time: archiving is failing or slow. */
public class WalNotArchivedException extends ArchiveException {
    public WalNotArchivedException(String message) {
        super(message);
    }
}
