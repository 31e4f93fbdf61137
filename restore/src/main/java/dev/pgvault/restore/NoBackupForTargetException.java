package dev.pgvault.restore;

/** No backup in the repository can reach the recovery target (or there are no backups at all). */
public class NoBackupForTargetException extends RestoreException {
    public NoBackupForTargetException(String message) {
        super(message);
    }
}
