package dev.pgvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The user's whole story on real PostgreSQL 15: archiving on, a full backup, work in five
 * batches with a time, an LSN, a transaction id and a named restore point between them; then a
 * restore to each of those moments (and to the end, and to the backup's consistent point),
 * each started and checked to hold exactly the rows of that moment.
 */
@Concurrent
class PointInTimeRecoveryIT {

    @BeforeAll
    static void needsPostgres() {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found in " + PgCluster.BIN);
    }

    record Moments(String timeAfter200, String lsnAfter300, String xidOf300, String backupId) {}

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestRepo.Kind.class)
    @Timeout(600)
    void restoresToEveryKindOfTarget(TestRepo.Kind kind) throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(kind, kind == TestRepo.Kind.S3, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on")) {
            // On S3 through archive.async, as S3 users run it: every restore's recovery then fetches
            // ahead through the spool instead of paying a JVM and an S3 client per file (the
            // synchronous archive-get on S3 is WalArchivingIT's)
            Path config = kind == TestRepo.Kind.S3 ? repo.asyncConfig("main", pg) : repo.config("main", pg);
            Files.writeString(pg.data.resolve("postgresql.auto.conf"), "archive_command = '" + dist.launcher()
                    + " --config " + config + " archive-push %p'\n", java.nio.file.StandardOpenOption.APPEND);
            pg.start();
            dist.run(pgUser, config, "init").ok();
            pg.client("pgbench", "-i", "-s", "1", "-q", "postgres").ok();

            Moments m;
            String beforeBackup;
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE story (id int PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())");
                insert(st, 1, 100);
                beforeBackup = value(st, "SELECT now()::text");
                Thread.sleep(1100);
                Proc backup = dist.run(pgUser, config, "backup").ok();
                String backupId = backup.stdout().lines().filter(l -> l.matches(".*\\d{8}-\\d{6}F.*"))
                        .map(l -> l.replaceAll(".*(\\d{8}-\\d{6}F).*", "$1")).findFirst().orElseThrow(
                                () -> new AssertionError("no backup id in: " + backup.stdout()));
                Thread.sleep(1100);
                insert(st, 101, 200);
                String timeAfter200 = value(st, "SELECT now()::text");
                Thread.sleep(1100);
                c.setAutoCommit(false);
                insert(st, 201, 300);
                String xid = value(st, "SELECT txid_current()::text");
                c.commit();
                c.setAutoCommit(true);
                String lsn = value(st, "SELECT pg_current_wal_insert_lsn()::text");
                insert(st, 301, 400);
                st.execute("SELECT pg_create_restore_point('after_400')");
                insert(st, 401, 500);
                String last = value(st, "SELECT pg_walfile_name(pg_switch_wal())");
                WalArchivingIT.waitArchived(st, last, pg);
                m = new Moments(timeAfter200, lsn, xid, backupId);
            }

            assertRestore(dist, pgUser, config, 200, "--target-time", m.timeAfter200());
            assertRestore(dist, pgUser, config, 300, "--target-lsn", m.lsnAfter300());
            assertRestore(dist, pgUser, config, 300, "--target-xid", m.xidOf300());
            assertRestore(dist, pgUser, config, 200, "--target-xid", m.xidOf300(), "--target-exclusive");
            assertRestore(dist, pgUser, config, 400, "--target-name", "after_400");
            assertRestore(dist, pgUser, config, 100, "--target-immediate");
            assertRestore(dist, pgUser, config, 500);
            assertRestore(dist, pgUser, config, 200, "--backup", m.backupId(), "--target-time",
                    m.timeAfter200().replace(' ', 'T'));

            // Bad inputs: a clear error, a non-zero exit, nothing touched.
            Path busy = pgUser.newDirectory("pgvault-busy");
            try {
                Path marker = busy.resolve("keep.me");
                Files.writeString(marker, "precious");
                Proc refused = dist.run(pgUser, config, "restore", "--pgdata", busy.toString());
                assertNotEquals(0, refused.exitCode());
                assertTrue(refused.stderr().contains(busy.toString()), refused.stderr());
                assertEquals(1, refused.stderr().strip().lines().count(), refused.stderr());
                try (Stream<Path> left = Files.list(busy)) {
                    assertEquals(List.of(marker), left.toList(), "a non-empty directory is left untouched");
                }
                assertEquals("precious", Files.readString(marker));
            } finally {
                PgvaultDist.deleteTree(busy);
            }
            Path target = pgUser.newDirectory("pgvault-target");
            try {
                Path dir = target.resolve("data");
                Proc early = dist.run(pgUser, config, "restore", "--pgdata", dir.toString(), "--target-time", beforeBackup);
                assertNotEquals(0, early.exitCode());
                assertEquals(1, early.stderr().strip().lines().count(), early.stderr());
                assertTrue(early.stderr().contains("backup"), early.stderr());
                assertFalse(Files.exists(dir.resolve("PG_VERSION")), "nothing restored");

                Proc unknown = dist.run(pgUser, config, "restore", "--pgdata", dir.toString(), "--backup", "20010101-000000F");
                assertNotEquals(0, unknown.exitCode());
                assertTrue(unknown.stderr().contains("20010101-000000F"), unknown.stderr());
                assertFalse(Files.exists(dir.resolve("PG_VERSION")), "nothing restored");
            } finally {
                PgvaultDist.deleteTree(target);
            }
        }
    }

    /** The server is lost: its data directory and its tablespace are restored in place. */
    @org.junit.jupiter.api.Test
    @Timeout(300)
    void aLostServerComesBackWithItsTablespace() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on", "autovacuum = off")) {
            Path config = repo.config("main", pg);
            Path location = tablespaceStory(dist, pgUser, pg, config);
            pg.stop();
            PgvaultDist.deleteTree(pg.data);
            PgvaultDist.deleteTree(location);

            Proc restore = dist.run(pgUser, config, "restore", "--pgdata", pg.data.toString());
            assertEquals(0, restore.exitCode(), restore.stderr());
            Path link = Files.list(pg.data.resolve("pg_tblspc")).findFirst().orElseThrow();
            assertTrue(Files.isSymbolicLink(link), link + " is the tablespace's link");
            assertEquals(location, Files.readSymbolicLink(link));
            pg.start();
            long deadline = System.currentTimeMillis() + 120_000;
            String rows = null;
            while (rows == null && System.currentTimeMillis() < deadline) {
                try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                    if (value(st, "SELECT pg_is_in_recovery()::text").equals("false")) {
                        rows = value(st, "SELECT count(*) || ' ' || pg_tablespace_location(t.oid) FROM story, "
                                + "pg_tablespace t WHERE t.spcname = 'fast' GROUP BY t.oid");
                    }
                } catch (java.sql.SQLException e) {
                    // starting up
                }
                Thread.sleep(250);
            }
            assertEquals("2000 " + location, rows, pg.serverLog());
        }
    }

    /**
     * A copy restored beside its running original (a drill, a test copy on the same host) cannot
     * have the original's tablespace location, which is in use: refused without a map; with
     * --tablespace-map the copy's tablespace goes where it is told, the copy starts with every row,
     * and the original's location is untouched. PostgreSQL recreates the links from tablespace_map
     * when recovery starts, so that file must name the new location too.
     */
    @org.junit.jupiter.api.Test
    @Timeout(300)
    void aCopyBesideItsRunningOriginalPutsItsTablespaceWhereItIsTold() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on", "autovacuum = off")) {
            Path config = repo.config("main", pg);
            Path location = tablespaceStory(dist, pgUser, pg, config);
            Path copy = pg.base.resolve("copy");
            Path moved = pg.base.resolve("copy_ts/fast");
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                String oid = value(st, "SELECT oid::text FROM pg_tablespace WHERE spcname = 'fast'");
                List<String> before = listTree(location);

                Proc refused = dist.run(pgUser, config, "restore", "--pgdata", copy.toString(), "--archive-mode", "off");
                assertEquals(2, refused.exitCode(), refused.stderr());
                assertTrue(refused.stderr().contains("tablespace location " + location + " for pg_tblspc/" + oid + " overlaps "
                        + location + ", in use by the PostgreSQL running in " + pg.data.toRealPath()), refused.stderr());
                Proc unknown = dist.run(pgUser, config, "restore", "--pgdata", copy.toString(), "--archive-mode", "off",
                        "--tablespace-map", "1=" + moved);
                assertEquals(2, unknown.exitCode(), unknown.stderr());
                assertTrue(unknown.stderr().contains("--tablespace-map names 1, which backup"), unknown.stderr());
                // a new location under the running original's data directory: missing, yet its files
                Proc inside = dist.run(pgUser, config, "restore", "--pgdata", copy.toString(), "--archive-mode", "off",
                        "--tablespace-map", oid + "=" + pg.data.resolve("ts_inside"));
                assertEquals(2, inside.exitCode(), inside.stderr());
                assertTrue(inside.stderr().contains("in use by the PostgreSQL running in"), inside.stderr());
                assertFalse(Files.exists(pg.data.resolve("ts_inside")));
                assertFalse(Files.exists(copy), "a refused restore created " + copy);

                Proc restore = dist.run(pgUser, config, "restore", "--pgdata", copy.toString(), "--archive-mode", "off",
                        "--tablespace-map", oid + "=" + moved);
                assertEquals(0, restore.exitCode(), restore.stderr());
                assertEquals(moved, Files.readSymbolicLink(copy.resolve("pg_tblspc/" + oid)));
                int port = PgCluster.freePort();
                RestoredCopy.startAsRestored(pgUser, copy, port, pg.base);
                try (Connection cc = RestoredCopy.connect(port); Statement cs = cc.createStatement()) {
                    RestoredCopy.awaitPromoted(cs);
                    assertEquals("2000 " + moved, value(cs, "SELECT count(*) || ' ' || pg_tablespace_location(t.oid)"
                            + " FROM story, pg_tablespace t WHERE t.spcname = 'fast' GROUP BY t.oid"));
                    cs.execute("INSERT INTO story VALUES (5000)"); // the copy writes into its own location
                } finally {
                    RestoredCopy.stop(pgUser, copy);
                }
                assertEquals(moved, Files.readSymbolicLink(copy.resolve("pg_tblspc/" + oid)), "recovery relinked it");
                assertEquals(before, listTree(location), "the original's tablespace location changed");
                assertEquals("2000", value(st, "SELECT count(*)::text FROM story"));
            } finally {
                PgvaultDist.deleteTree(copy);
                PgvaultDist.deleteTree(pg.base.resolve("copy_ts"));
            }
        }
    }

    /**
     * A cluster archiving into the stanza, with a tablespace "fast" holding table story: rows 1
     * to 1000 in a backup, 1001 to 2000 after it, archived. The tablespace's location.
     */
    private static Path tablespaceStory(PgvaultDist dist, OsUser pgUser, PgCluster pg, Path config) throws Exception {
        Files.writeString(pg.data.resolve("postgresql.auto.conf"), "archive_command = '" + dist.launcher()
                + " --config " + config + " archive-push %p'\n", java.nio.file.StandardOpenOption.APPEND);
        Path location = pg.base.resolve("ts_fast");
        Files.createDirectory(location);
        pgUser.own(location);
        pg.start();
        dist.run(pgUser, config, "init").ok();
        try (Connection c = pg.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLESPACE fast LOCATION '" + location + "'");
            st.execute("CREATE TABLE story (id int PRIMARY KEY) TABLESPACE fast");
            insert(st, 1, 1000);
            dist.run(pgUser, config, "backup").ok();
            insert(st, 1001, 2000);
            WalArchivingIT.waitArchived(st, value(st, "SELECT pg_walfile_name(pg_switch_wal())"), pg);
        }
        return location;
    }

    /**
     * A tablespace created after the backup is not in it, so no map can move it: a copy beside
     * its original would replay CREATE TABLESPACE into the original's location and write its
     * files, whether the original runs or not. Refused, with nothing written, beside the
     * running original and beside it stopped (the configuration's pg.data); a backup taken after
     * it restores with the map.
     */
    @org.junit.jupiter.api.Test
    @Timeout(300)
    void aTablespaceCreatedAfterTheBackupStopsACopyBesideItsOriginalRunningOrStopped() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on", "autovacuum = off")) {
            Path config = repo.config("main", pg);
            tablespaceStory(dist, pgUser, pg, config);
            Path later = pg.base.resolve("ts_later");
            Files.createDirectory(later);
            pgUser.own(later);
            Path copy = pg.base.resolve("copy");
            try {
                List<String> before;
                try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                    st.execute("CREATE TABLESPACE later LOCATION '" + later + "'");
                    st.execute("CREATE TABLE late TABLESPACE later AS SELECT 1 AS one");
                    WalArchivingIT.waitArchived(st, value(st, "SELECT pg_walfile_name(pg_switch_wal())"), pg);
                    before = listTree(later);
                }

                assertRefusedBeside(dist, pgUser, config, pg, later, before, "the PostgreSQL running in ");
                pg.stop();
                try {
                    assertRefusedBeside(dist, pgUser, config, pg, later, before,
                            "the cluster in " + pg.data.toRealPath() + " (this configuration's pg.data) is backup ");
                } finally {
                    pg.start();
                }

                try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                    dist.run(pgUser, config, "backup").ok();
                    Proc restore = dist.run(pgUser, config, "restore", "--pgdata", copy.toString(), "--archive-mode", "off",
                            "--tablespace-map-all", pg.base.resolve("copy_ts").toString());
                    assertEquals(0, restore.exitCode(), restore.stderr());
                    String oid = value(st, "SELECT oid::text FROM pg_tablespace WHERE spcname = 'later'");
                    assertEquals(pg.base.resolve("copy_ts/" + oid), Files.readSymbolicLink(copy.resolve("pg_tblspc/" + oid)));
                }
            } finally {
                PgvaultDist.deleteTree(copy);
                PgvaultDist.deleteTree(pg.base.resolve("copy_ts"));
            }
        }
    }

    /**
     * A restore of the stanza's backup into {@code pg.base/copy}, beside {@code pg} (whose refusal
     * names it as {@code described}) and its tablespace at {@code later}: refused, nothing written.
     */
    private static void assertRefusedBeside(PgvaultDist dist, OsUser pgUser, Path config, PgCluster pg, Path later,
            List<String> before, String described) throws Exception {
        Path copy = pg.base.resolve("copy");
        Proc refused = dist.run(pgUser, config, "restore", "--pgdata", copy.toString(), "--archive-mode", "off",
                "--tablespace-map-all", pg.base.resolve("copy_ts").toString());
        assertEquals(2, refused.exitCode(), refused.stderr());
        assertTrue(refused.stderr().contains(described), refused.stderr());
        assertTrue(refused.stderr().contains("(at " + later + ") that the backup lacks (created after it)"), refused.stderr());
        assertFalse(Files.exists(copy), "a refused restore created " + copy);
        assertFalse(Files.exists(pg.base.resolve("copy_ts")));
        assertEquals(before, listTree(later));
    }

    /** Every path under {@code dir} with its size, sorted: what a copy must not have changed. */
    private static List<String> listTree(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p) + " " + (Files.isRegularFile(p) ? p.toFile().length() : -1)).sorted().toList();
        }
    }

    static void insert(Statement st, int from, int to) throws Exception {
        st.execute("INSERT INTO story (id) SELECT g FROM generate_series(" + from + ", " + to + ") g");
    }

    static String value(Statement st, String sql) throws Exception {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Restores with {@code targetArgs}, starts the copy, and checks it holds exactly rows 1..expected. */
    static void assertRestore(PgvaultDist dist, OsUser user, Path config, int expected, String... targetArgs)
            throws Exception {
        Path base = user.newDirectory("pgvault-restored");
        Path dir = base.resolve("data");
        try {
            List<String> args = new ArrayList<>(List.of("restore", "--pgdata", dir.toString()));
            args.addAll(List.of(targetArgs));
            if (List.of(targetArgs).stream().anyMatch(a -> a.startsWith("--target-") && !a.equals("--target-exclusive"))) {
                args.addAll(List.of("--target-action", "promote")); // without a target PostgreSQL promotes at the end
            }
            Proc restore = dist.run(user, config, args.toArray(String[]::new));
            assertEquals(0, restore.exitCode(), String.join(" ", targetArgs) + ": " + restore.stderr());
            int port = PgCluster.freePort();
            Proc.run(user, List.of(PgCluster.BIN.resolve("pg_ctl").toString(), "-D", dir.toString(), "-o",
                    "-p " + port + " -c archive_mode=off -c unix_socket_directories=" + base, "-l",
                    base.resolve("log").toString(), "-w", "-t", "120", "start")).ok();
            try {
                long deadline = System.currentTimeMillis() + 120_000;
                String rows = null;
                while (System.currentTimeMillis() < deadline) {
                    try (Connection c = connect(port); Statement st = c.createStatement()) {
                        if (value(st, "SELECT pg_is_in_recovery()::text").equals("false")) {
                            rows = value(st, "SELECT count(*) || ' ' || coalesce(min(id), 0) || ' ' || coalesce(max(id), 0) FROM story");
                            break;
                        }
                    } catch (java.sql.SQLException e) {
                        // starting up
                    }
                    Thread.sleep(250);
                }
                assertEquals(expected + " 1 " + expected, rows, "restore " + String.join(" ", targetArgs)
                        + "; server log:\n" + Files.readString(base.resolve("log")));
            } finally {
                Proc.run(user, List.of(PgCluster.BIN.resolve("pg_ctl").toString(), "-D", dir.toString(), "-m",
                        "immediate", "stop"));
            }
        } finally {
            PgvaultDist.deleteTree(base);
        }
    }

    private static Connection connect(int port) throws Exception {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
    }
}
