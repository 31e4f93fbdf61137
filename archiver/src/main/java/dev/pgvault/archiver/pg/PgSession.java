package dev.pgvault.archiver.pg;

import dev.pgvault.archiver.ClusterIdentity;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Properties;

/** One JDBC connection to the cluster pgvault serves, with the few queries it needs. */
public final class PgSession implements AutoCloseable {
    private final Connection connection;
    private final PgTarget target;

    private PgSession(Connection connection, PgTarget target) {
        this.connection = connection;
        this.target = target;
    }

    public static PgSession connect(PgTarget target) throws PgException {
        if (target.host().startsWith("/")) {
            throw new PgException("pg.host is a socket directory (" + target.host()
                    + "): pgvault connects over TCP; set pg.host to an address such as 127.0.0.1");
        }
        Properties p = new Properties();
        p.setProperty("user", target.user());
        p.setProperty("ApplicationName", "pgvault");
        p.setProperty("connectTimeout", "10");
        String password = System.getenv("PGPASSWORD");
        if (password != null) {
            p.setProperty("password", password);
        }
        String url = "jdbc:postgresql://" + target.host() + ":" + target.port() + "/" + target.database();
        Connection c;
        try {
            c = DriverManager.getConnection(url, p);
        } catch (SQLException e) {
            throw new PgException("cannot connect to PostgreSQL at " + target + ": " + oneLine(e) + passwordHint(e), e);
        }
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')::int,"
                        + " current_setting('server_version')")) {
            rs.next();
            ServerVersion.requireSupported(rs.getInt(1), rs.getString(2), target.toString());
        } catch (SQLException | PgException e) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the refusal is what to report
            }
            throw e instanceof PgException pe ? pe
                    : new PgException("cannot read the version of PostgreSQL at " + target + ": " + oneLine((SQLException) e), e);
        }
        return new PgSession(c, target);
    }

    public ClusterIdentity identity() throws PgException {
        String sql = "SELECT (SELECT system_identifier FROM pg_control_system()),"
                + " current_setting('server_version_num')::int,"
                + " (SELECT setting::bigint * CASE unit WHEN 'B' THEN 1 WHEN 'kB' THEN 1024 WHEN 'MB' THEN 1048576"
                + " ELSE 1 END FROM pg_settings WHERE name = 'wal_segment_size')";
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return new ClusterIdentity(rs.getLong(1), rs.getInt(2), (int) rs.getLong(3), Instant.now());
        } catch (SQLException e) {
            throw failure("read the cluster's identity", e);
        }
    }

    /**
     * The timeline WAL is written on now: a backup started now is on it. (pg_control_checkpoint()
     * still names the old one after a fast promotion, until the next checkpoint.)
     */
    public int timeline() throws PgException {
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("SELECT substr(pg_walfile_name(pg_current_wal_insert_lsn()), 1, 8)")) {
            rs.next();
            return Integer.parseUnsignedInt(rs.getString(1), 16);
        } catch (SQLException e) {
            throw failure("read the cluster's timeline", e);
        }
    }

    public String setting(String name) throws PgException {
        try (var st = connection.prepareStatement("SELECT current_setting(?)")) {
            st.setString(1, name);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        } catch (SQLException e) {
            throw failure("read setting " + name, e);
        }
    }

    /**
     * Writes a little WAL (a transaction id), then closes the current segment so PostgreSQL
     * archives it; returns that segment's file name.
     */
    public String switchWal() throws PgException {
        try (Statement st = connection.createStatement()) {
            st.execute("SELECT txid_current()");
            try (ResultSet rs = st.executeQuery("SELECT pg_walfile_name(pg_switch_wal())")) {
                rs.next();
                return rs.getString(1);
            }
        } catch (SQLException e) {
            throw failure("switch the WAL segment (needs superuser or EXECUTE on pg_switch_wal)", e);
        }
    }

    /** pg_stat_archiver's last failure, for messages: "000000010000000000000003 at 2026-..." or null. */
    public String lastArchiveFailure() throws PgException {
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("SELECT last_failed_wal, last_failed_time FROM pg_stat_archiver")) {
            rs.next();
            return rs.getString(1) == null ? null : rs.getString(1) + " at " + rs.getString(2);
        } catch (SQLException e) {
            throw failure("read pg_stat_archiver", e);
        }
    }

    public Connection connection() {
        return connection;
    }

    private PgException failure(String what, SQLException e) {
        return new PgException("cannot " + what + " on " + target + ": " + oneLine(e), e);
    }

    /**
     * Where pgvault looked for the password, when the server refused the one it had or had none:
     * the JDBC driver's own words do not say that PGPASSWORD and the password file are read.
     */
    public static String passwordHint(SQLException e) {
        boolean refused = "28P01".equals(e.getSQLState())
                || e.getMessage() != null && e.getMessage().contains("no password was provided");
        return refused ? " (pgvault reads the password from PGPASSWORD, else from PGPASSFILE or ~/.pgpass"
                + " of the OS user it runs as)" : "";
    }

    /** A driver's message on one line, for an error that is one line. */
    public static String oneLine(SQLException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.strip().replace('\n', ' ');
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing a broken connection: nothing left to do
        }
    }
}
