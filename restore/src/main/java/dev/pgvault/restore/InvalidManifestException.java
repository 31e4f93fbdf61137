package dev.pgvault.restore;

/**
 * A backup manifest that cannot be restored as written: a path outside PGDATA, a file in an
 * object the manifest does not list, overlapping bundle ranges. Found before anything is written.
 */
public class InvalidManifestException extends RestoreException {
    public InvalidManifestException(String message) {
        super(message);
    }
}
