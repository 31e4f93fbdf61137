package dev.pgvault.archiver;

/** The stanza has no cluster.json yet: `pgvault init` has not run. */
public class StanzaNotInitializedException extends ArchiveException {
    public StanzaNotInitializedException(String message) {
        super(message);
    }
}
