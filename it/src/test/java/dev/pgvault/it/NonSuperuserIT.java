package dev.pgvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * pgvault as the README's production guide sets it up: a role that is not a superuser, granted
 * only what backups need, behind {@code scram-sha-256} in pg_hba.conf, its password read from a
 * password file or from PGPASSWORD. The backup it takes restores; a missing or wrong password is
 * one line that names the user, and the password itself is never printed.
 */
@Concurrent
class NonSuperuserIT {
    private static final String PASSWORD = "s3cret-Backup-9f2e";
    private static final String HINT =
            "(pgvault reads the password from PGPASSWORD, else from PGPASSFILE or ~/.pgpass of the OS user it runs as)";

    /** What the README's production guide tells a DBA to grant; nothing more. */
    static final List<String> GRANTS = List.of(
            "CREATE ROLE pgvault_backup LOGIN PASSWORD '" + PASSWORD + "'",
            "GRANT EXECUTE ON FUNCTION pg_backup_start(text, boolean) TO pgvault_backup",
            "GRANT EXECUTE ON FUNCTION pg_backup_stop(boolean) TO pgvault_backup",
            "GRANT EXECUTE ON FUNCTION pg_switch_wal() TO pgvault_backup");

    @BeforeAll
    static void needsPostgres() {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found in " + PgCluster.BIN);
    }

    @Test
    @Timeout(300)
    void aRoleWithOnlyTheGrantsBacksUpWithItsPasswordFromAFileOrTheEnvironment() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on", "archive_timeout = 0",
                        "password_encryption = 'scram-sha-256'")) {
            Path config = repo.config("main", pg);
            Files.writeString(config, Files.readString(config).replace("  user: postgres\n", "  user: pgvault_backup\n"));
            Files.writeString(pg.data.resolve("postgresql.auto.conf"),
                    "archive_command = '" + dist.launcher() + " --config " + config + " archive-push %p'\n",
                    StandardOpenOption.APPEND);
            // The role must give its password; every other connection of the test keeps trust.
            Path hba = pg.data.resolve("pg_hba.conf");
            Files.writeString(hba, "host all pgvault_backup 127.0.0.1/32 scram-sha-256\n" + Files.readString(hba));
            pg.start();
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                for (String grant : GRANTS) {
                    st.execute(grant);
                }
                st.execute("CREATE TABLE orders AS SELECT g AS id FROM generate_series(1, 5000) g");
            }

            // No password anywhere: one line naming the server and the user, nothing done.
            Path noFile = pgUser.newDirectory("pgvault-nopass").resolve("none");
            Proc refused = dist.run(pgUser, Map.of("PGPASSFILE", noFile.toString()), config, "init");
            assertNotEquals(0, refused.exitCode(), refused.stdout());
            assertEquals(1, refused.stderr().strip().lines().count(), refused.stderr());
            assertTrue(refused.stderr().startsWith("pgvault: cannot connect to PostgreSQL at pgvault_backup@127.0.0.1:"
                    + pg.port + "/postgres: "), refused.stderr());
            assertTrue(refused.stderr().contains("no password was provided"), refused.stderr());
            assertTrue(refused.stderr().strip().endsWith(HINT), refused.stderr());

            // The password from a password file (libpq's format, mode 0600), as ~/.pgpass gives it.
            Path passFile = pgUser.newDirectory("pgvault-pgpass").resolve("pgpass");
            Files.writeString(passFile, "127.0.0.1:" + pg.port + ":*:pgvault_backup:" + PASSWORD + "\n");
            Files.setPosixFilePermissions(passFile, PosixFilePermissions.fromString("rw-------"));
            pgUser.own(passFile);
            Map<String, String> fromFile = Map.of("PGPASSFILE", passFile.toString());
            List<Proc> calls = new java.util.ArrayList<>();
            calls.add(dist.run(pgUser, fromFile, config, "init").ok());
            calls.add(dist.run(pgUser, fromFile, config, "check").ok());
            Proc full = dist.run(pgUser, fromFile, config, "backup").ok();
            calls.add(full);
            String fullId = full.stdout().lines().findFirst().orElseThrow();
            assertTrue(fullId.matches("\\d{8}-\\d{6}F"), full.stdout());

            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO orders SELECT g FROM generate_series(5001, 6000) g");
            }
            // And from PGPASSWORD, with no password file to fall back on.
            Map<String, String> fromEnv = Map.of("PGPASSWORD", PASSWORD, "PGPASSFILE", noFile.toString());
            Proc incr = dist.run(pgUser, fromEnv, config, "backup", "--type", "incr").ok();
            calls.add(incr);
            assertTrue(incr.stdout().lines().findFirst().orElseThrow().matches("\\d{8}-\\d{6}I"), incr.stdout());
            calls.add(dist.run(pgUser, fromEnv, config, "verify").ok());

            Proc wrong = dist.run(pgUser, Map.of("PGPASSWORD", "not-" + PASSWORD, "PGPASSFILE", noFile.toString()), config,
                    "backup");
            assertNotEquals(0, wrong.exitCode(), wrong.stdout());
            assertEquals(1, wrong.stderr().strip().lines().count(), wrong.stderr());
            assertTrue(wrong.stderr().contains("password authentication failed for user \"pgvault_backup\""), wrong.stderr());
            assertTrue(wrong.stderr().strip().endsWith(HINT), wrong.stderr());
            calls.add(wrong);
            calls.add(refused);
            for (Proc call : calls) {
                assertFalse(call.stdout().contains(PASSWORD) || call.stderr().contains(PASSWORD),
                        "a password was printed:\n" + call.stdout() + call.stderr());
            }

            // What the role backed up restores, with the rows of its last backup.
            Path base = pgUser.newDirectory("pgvault-restored");
            Path copy = base.resolve("data");
            try {
                dist.run(pgUser, config, "restore", "--pgdata", copy.toString(), "--archive-mode", "off").ok();
                int port = PgCluster.freePort();
                RestoredCopy.startAsRestored(pgUser, copy, port, base);
                try (Connection c = RestoredCopy.connect(port); Statement st = c.createStatement()) {
                    RestoredCopy.awaitPromoted(st);
                    assertEquals("6000", PointInTimeRecoveryIT.value(st, "SELECT count(*) FROM orders"));
                } finally {
                    RestoredCopy.stop(pgUser, copy);
                }
            } finally {
                PgvaultDist.deleteTree(base);
            }
        }
    }
}
