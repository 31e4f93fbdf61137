package dev.pgvault.it;

import static dev.pgvault.it.PointInTimeRecoveryIT.value;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;

/** A data directory a test restored, started on a port of its own (archiving off), checked, and stopped. */
final class RestoredCopy {
    private RestoredCopy() {}

    static void start(OsUser user, Path dir, int port, Path base) {
        start(user, dir, port, base, " -c archive_mode=off");
    }

    /** Started with the archive_mode the restore left it: the backup's, or what --archive-mode wrote. */
    static void startAsRestored(OsUser user, Path dir, int port, Path base) {
        start(user, dir, port, base, "");
    }

    private static void start(OsUser user, Path dir, int port, Path base, String settings) {
        Proc.run(user, List.of(PgCluster.BIN.resolve("pg_ctl").toString(), "-D", dir.toString(), "-o",
                "-p " + port + settings + " -c unix_socket_directories=" + base, "-l",
                base.resolve("log-" + dir.getFileName()).toString(), "-w", "-t", "120", "start")).ok();
    }

    static void stop(OsUser user, Path dir) {
        Proc.run(user, List.of(PgCluster.BIN.resolve("pg_ctl").toString(), "-D", dir.toString(), "-m", "fast", "-w",
                "stop")).ok();
    }

    static void awaitPromoted(Statement st) throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        while (value(st, "SELECT pg_is_in_recovery()::text").equals("true")) {
            assertTrue(System.currentTimeMillis() < deadline, "still in recovery after 120 s");
            Thread.sleep(200);
        }
    }

    static Connection connect(int port) throws Exception {
        return connect(port, "postgres");
    }

    /** Connects as postgres to {@code db}, retrying for a minute while the server comes up. */
    static Connection connect(int port, String db) throws Exception {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            try {
                return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + db, p);
            } catch (java.sql.SQLException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }
}
