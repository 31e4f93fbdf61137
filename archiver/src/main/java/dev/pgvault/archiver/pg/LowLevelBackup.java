package dev.pgvault.archiver.pg;

import dev.pgvault.archiver.wal.Lsn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * PostgreSQL's non-exclusive low-level backup API on one session: pg_backup_start and
 * pg_backup_stop must run on the same connection, which must stay open in between (closing it
 * aborts the backup, which is what a failed or killed backup relies on).
 */
public final class LowLevelBackup {

    /** What pg_backup_stop returned: the stop LSN and the files to write into the restored PGDATA. */
    public record Stop(Lsn lsn, String backupLabel, String tablespaceMap) {}

    /**
     * The cluster's settings that shape a backup. {@code blocksPerSegment}: pages per relation
     * segment file.
     */
    public record Settings(boolean dataChecksums, int blockSize, long blocksPerSegment, String archiveMode,
            int majorVersion) {}

    private final PgSession session;

    public LowLevelBackup(PgSession session) {
        this.session = session;
    }

    public Settings settings() throws PgException {
        String sql = "SELECT current_setting('data_checksums'), current_setting('block_size')::int,"
                + " (SELECT setting::bigint FROM pg_settings WHERE name = 'segment_size'),"
                + " current_setting('archive_mode'), current_setting('server_version_num')::int / 10000";
        try (Statement st = connection().createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return new Settings(rs.getString(1).equals("on"), rs.getInt(2), rs.getLong(3), rs.getString(4), rs.getInt(5));
        } catch (SQLException e) {
            throw failure("read the cluster's settings", e);
        }
    }

    /**
     * Starts the backup with an immediate checkpoint and returns its start LSN. The session's
     * timeouts are turned off first: it stays idle while the files are copied.
     */
    public Lsn start(String label) throws PgException {
        try (Statement st = connection().createStatement()) {
            st.execute("SET statement_timeout = 0");
            st.execute("SET idle_session_timeout = 0");
            st.execute("SET idle_in_transaction_session_timeout = 0");
        } catch (SQLException e) {
            throw failure("prepare the session for a backup", e);
        }
        try (PreparedStatement st = connection().prepareStatement("SELECT pg_backup_start(?, true)")) {
            st.setString(1, label);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return Lsn.parse(rs.getString(1));
            }
        } catch (SQLException e) {
            throw failure("start the backup (pg_backup_start; needs superuser or EXECUTE on it)", e);
        }
    }

    /**
     * Stops the backup: PostgreSQL writes the backup-end record and switches to a new WAL segment,
     * so the stop segment can be archived. It does not wait for that archiving
     * ({@code wait_for_archive} false): the caller waits for the segments in the repository itself.
     */
    public Stop stop() throws PgException {
        try (Statement st = connection().createStatement();
                ResultSet rs = st.executeQuery("SELECT lsn, labelfile, spcmapfile FROM pg_backup_stop(false)")) {
            rs.next();
            String map = rs.getString(3);
            return new Stop(Lsn.parse(rs.getString(1)), rs.getString(2), map == null || map.isEmpty() ? null : map);
        } catch (SQLException e) {
            throw failure("stop the backup (pg_backup_stop)", e);
        }
    }

    /** The name of the WAL segment that holds the WAL up to {@code lsn} (pg_walfile_name). */
    public String walFileName(Lsn lsn) throws PgException {
        try (PreparedStatement st = connection().prepareStatement("SELECT pg_walfile_name(?::pg_lsn)")) {
            st.setString(1, lsn.toString());
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        } catch (SQLException e) {
            throw failure("name the WAL segment of " + lsn, e);
        }
    }

    private Connection connection() {
        return session.connection();
    }

    private PgException failure(String what, SQLException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip().replace('\n', ' ');
        return new PgException("cannot " + what + ": " + m, e);
    }
}
