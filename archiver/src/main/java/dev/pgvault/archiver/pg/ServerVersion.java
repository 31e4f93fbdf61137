package dev.pgvault.archiver.pg;

/**
 * Which PostgreSQL servers pgvault works with: 15 and later. It backs up with
 * {@code pg_backup_start}/{@code pg_backup_stop} (15's names; 14 and older have
 * {@code pg_start_backup}), and its tests run PostgreSQL 15, what Debian 12 ships.
 */
public final class ServerVersion {
    /** The oldest server_version_num pgvault accepts. */
    public static final int OLDEST = 150000;

    private ServerVersion() {}

    /** Refuses an older server, naming its version; {@code where} says which server. */
    public static void requireSupported(int versionNum, String versionText, String where) throws PgException {
        if (versionNum < OLDEST) {
            throw new PgException("PostgreSQL " + versionText + " at " + where + " is older than pgvault supports:"
                    + " 15 or later (pgvault backs up with pg_backup_start, which PostgreSQL " + (versionNum / 10000)
                    + " does not have)");
        }
    }
}
