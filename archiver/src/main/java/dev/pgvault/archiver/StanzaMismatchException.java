package dev.pgvault.archiver;

/** The stanza belongs to a different PostgreSQL cluster (another system identifier, version or segment size). */
public class StanzaMismatchException extends ArchiveException {
    public StanzaMismatchException(String message) {
        super(message);
    }
}
