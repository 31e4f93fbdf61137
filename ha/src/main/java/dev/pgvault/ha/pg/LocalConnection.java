package dev.pgvault.ha.pg;

import dev.pgvault.archiver.pg.PgTarget;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/**
 * JDBC connections to the node's own PostgreSQL with short timeouts: a hung server must cost the
 * agent's cycle seconds, not the lease.
 */
final class LocalConnection {
    private LocalConnection() {}

    static Connection open(PgTarget target, Duration timeout) throws SQLException {
        return DriverManager.getConnection(url(target), properties(target, timeout));
    }

    /** {@code statementTimeout}: how long one statement may run (a CHECKPOINT takes longer than a query). */
    static Connection open(PgTarget target, Duration timeout, Duration statementTimeout) throws SQLException {
        Properties p = properties(target, timeout);
        p.setProperty("socketTimeout", seconds(statementTimeout));
        return DriverManager.getConnection(url(target), p);
    }

    /** A JDBC failure in one line, for messages. */
    static String oneLine(SQLException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.strip().replace('\n', ' ');
    }

    /**
     * A physical replication connection, for IDENTIFY_SYSTEM: on a standby it answers the timeline
     * being replayed, which no SQL function does in PostgreSQL 15.
     */
    static Connection openReplication(PgTarget target, Duration timeout) throws SQLException {
        Properties p = properties(target, timeout);
        p.setProperty("replication", "true");
        p.setProperty("preferQueryMode", "simple");
        p.setProperty("assumeMinServerVersion", "9.4");
        return DriverManager.getConnection(url(target), p);
    }

    private static String url(PgTarget target) {
        return "jdbc:postgresql://" + target.host() + ":" + target.port() + "/" + target.database();
    }

    private static Properties properties(PgTarget target, Duration timeout) {
        String seconds = seconds(timeout);
        Properties p = new Properties();
        p.setProperty("user", target.user());
        p.setProperty("ApplicationName", "pgvault-ha");
        p.setProperty("connectTimeout", seconds);
        p.setProperty("loginTimeout", seconds);
        p.setProperty("socketTimeout", seconds);
        String password = System.getenv("PGPASSWORD");
        if (password != null) {
            p.setProperty("password", password);
        }
        return p;
    }

    private static String seconds(Duration d) {
        return Long.toString(Math.max(1, d.toSeconds()));
    }
}
