package dev.pgvault.restore;

/** --backup names a backup the repository does not hold (or one without a manifest). */
public class UnknownBackupException extends RestoreException {
    public UnknownBackupException(String message) {
        super(message);
    }
}
