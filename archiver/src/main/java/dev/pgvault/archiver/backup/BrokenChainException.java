package dev.pgvault.archiver.backup;

import dev.pgvault.archiver.ArchiveException;

/**
 * An incremental or differential backup cannot be built on its parent: a backup of the parent's
 * chain, or the WAL since the parent's start, is gone from the repository. The message says to
 * take a full backup.
 */
public class BrokenChainException extends ArchiveException {
    public BrokenChainException(String message) {
        super(message);
    }
}
