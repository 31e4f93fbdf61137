package dev.pgvault.archiver;

/** A WAL file that this stanza's cluster did not write, or that is not a WAL file at all. */
public class ForeignWalException extends ArchiveException {
    public ForeignWalException(String message) {
        super(message);
    }
}
