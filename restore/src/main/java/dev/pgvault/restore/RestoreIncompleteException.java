package dev.pgvault.restore;

import java.nio.file.Path;

/**
 * The restore failed after it began writing into PGDATA. The directory is left as it is for
 * inspection; it holds no backup_label, no recovery.signal and no global/pg_control, so
 * PostgreSQL cannot be started on it by accident. The cause says what failed.
 */
public class RestoreIncompleteException extends RestoreException {
    public RestoreIncompleteException(Path pgdata, Throwable cause) {
        super("restore failed, " + pgdata + " is incomplete and cannot be started (remove it before restoring again): "
                + message(cause), cause);
    }

    private static String message(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m.strip().replace('\n', ' ');
    }
}
