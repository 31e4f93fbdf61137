package dev.pgvault.archiver;

/** The repository already holds different bytes under this WAL file's name; they were left untouched. */
public class WalConflictException extends ArchiveException {
    public WalConflictException(String message) {
        super(message);
    }
}
