package dev.pgvault.it;

import static dev.pgvault.it.PointInTimeRecoveryIT.insert;
import static dev.pgvault.it.PointInTimeRecoveryIT.value;
import static dev.pgvault.it.RestoredCopy.awaitPromoted;
import static dev.pgvault.it.RestoredCopy.connect;
import static dev.pgvault.it.RestoredCopy.start;
import static dev.pgvault.it.RestoredCopy.stop;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code restore --delta} on real parts: a copy restored from a backup runs on (rows, a new table,
 * a new timeline) and is stopped; a delta restore of the same backup brings it back, and started it
 * holds exactly the backup's rows, keeping the files that had not changed. Refused while the copy
 * runs, with nothing changed.
 */
@Concurrent
class DeltaRestoreIT {
    @BeforeAll
    static void needsPostgres() {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found in " + PgCluster.BIN);
    }

    @Test
    @Timeout(600)
    void aStoppedCopyIsBroughtBackToTheBackupKeepingWhatDidNotChange() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        Path base = pgUser.newDirectory("pgvault-delta");
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on")) {
            Path config = archiving(dist, pgUser, repo, pg);
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE story (id int PRIMARY KEY)");
                insert(st, 1, 100);
            }
            dist.run(pgUser, config, "backup").ok();

            Path copy = base.resolve("data");
            dist.run(pgUser, config, "restore", "--pgdata", copy.toString(), "--target-immediate", "--target-action",
                    "promote").ok();
            int port = PgCluster.freePort();
            start(pgUser, copy, port, base);
            try (Connection c = connect(port); Statement st = c.createStatement()) {
                awaitPromoted(st);
                assertEquals("100", value(st, "SELECT count(*) FROM story"));
                insert(st, 101, 5000);
                st.execute("CREATE TABLE extra AS SELECT g FROM generate_series(1, 10000) g");
                st.execute("CHECKPOINT");
            }
            Proc running = dist.run(pgUser, config, "restore", "--delta", "--pgdata", copy.toString());
            assertEquals(2, running.exitCode(), running.stderr());
            assertTrue(running.stderr().contains(") is running in " + copy + ": stop it before a delta restore; nothing"
                    + " was changed"), running.stderr());
            stop(pgUser, copy);

            Proc delta = dist.run(pgUser, config, "restore", "--delta", "--pgdata", copy.toString(), "--target-immediate",
                    "--target-action", "promote").ok();
            String kept = lineOf(delta, "delta: ");
            int keptFiles = Integer.parseInt(kept.split(" ")[1]);
            assertTrue(keptFiles > 700, "most of the ~980 files of a small cluster do not change: " + kept);

            assertCopyHolds(pgUser, copy, port, base, Map.of(
                    "SELECT count(*) || ' ' || min(id) || ' ' || max(id) FROM story", "100 1 100",
                    "SELECT count(*) FROM pg_class WHERE relname = 'extra'", "0"));
            System.out.println("delta restore: " + kept);
        } finally {
            PgvaultDist.deleteTree(base);
        }
    }

    /**
     * {@code --trust-times}: a copy restored from backup A and never started is brought to the
     * later backup B judging its files from A's manifest, not hashed; its files are then byte for byte
     * a restore of B into an empty directory, and started it holds B's rows.
     */
    @Test
    @Timeout(600)
    void aCopyNeverStartedIsBroughtToALaterBackupTrustingItsRestoresTimes() throws Exception {
        String line = bringACopyOneBackupBehindTrustingTimes("pgvault-delta-times", false);
        assertTrue(judged(line) > 700, "most of the ~980 files the restore of A left are judged: " + line);
        System.out.println("delta restore trusting times: " + line);
    }

    /**
     * {@code --trust-times} on a copy that ran since its restore: PostgreSQL renamed its
     * backup_label to backup_label.old as it started, and the files it has not written to since
     * are judged from that backup's manifest, not hashed; what it wrote is read. Its files are then
     * byte for byte a restore of the later backup into an empty directory, and started it holds
     * that backup's rows and none of its own.
     */
    @Test
    @Timeout(600)
    void aCopyThatRanIsBroughtToALaterBackupTrustingWhatItLeftUntouched() throws Exception {
        String line = bringACopyOneBackupBehindTrustingTimes("pgvault-delta-ran", true);
        // the template databases' files, some 600 of the ~980, are never written by a copy that ran
        assertTrue(judged(line) > 400, "the files the copy did not write to are judged: " + line);
        System.out.println("delta restore of a copy that ran, trusting times: " + line);
    }

    /**
     * A copy restored from backup A ({@code ran}: then promoted, written to with rows and a table
     * of its own, and stopped), brought to the later backup B by a delta restore trusting times:
     * byte for byte a restore of B into an empty directory, and started it holds B's rows and none
     * of its own. The delta's line.
     */
    private static String bringACopyOneBackupBehindTrustingTimes(String dirName, boolean ran) throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        Path base = pgUser.newDirectory(dirName);
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on")) {
            Path config = archiving(dist, pgUser, repo, pg);
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE story (id int PRIMARY KEY)");
                insert(st, 1, 100);
            }
            String a = backupId(dist.run(pgUser, config, "backup").ok(), 'F');
            Path copy = base.resolve("data");
            if (ran) {
                dist.run(pgUser, config, "restore", "--pgdata", copy.toString(), "--backup", a, "--target-immediate",
                        "--target-action", "promote", "--archive-mode", "off").ok();
                int port = PgCluster.freePort();
                start(pgUser, copy, port, base);
                try (Connection c = connect(port); Statement st = c.createStatement()) {
                    awaitPromoted(st);
                    insert(st, 101, 2000);
                    st.execute("CREATE TABLE extra AS SELECT g FROM generate_series(1, 10000) g");
                    st.execute("CHECKPOINT");
                }
                stop(pgUser, copy);
                assertTrue(Files.exists(copy.resolve("backup_label.old")) && Files.notExists(copy.resolve("backup_label")),
                        "PostgreSQL renames the restore's backup_label as it starts");
            } else {
                dist.run(pgUser, config, "restore", "--pgdata", copy.toString(), "--backup", a).ok();
            }
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                insert(st, 101, 3000);
                st.execute("CREATE TABLE later AS SELECT g FROM generate_series(1, 10000) g");
            }
            String b = backupId(dist.run(pgUser, config, "backup").ok(), 'F');

            Proc delta = dist.run(pgUser, config, "restore", "--delta", "--trust-times", "--pgdata", copy.toString(),
                    "--backup", b, "--target-immediate", "--target-action", "promote").ok();
            String line = lineOf(delta, "delta: ");

            assertSameFiles(freshRestore(dist, pgUser, config, base, b), copy);

            assertCopyHolds(pgUser, copy, PgCluster.freePort(), base, Map.of(
                    "SELECT count(*) || ' ' || max(id) FROM story", "3000 3000",
                    "SELECT count(*) FROM later", "10000",
                    "SELECT count(*) FROM pg_class WHERE relname = 'extra'", "0"));
            return line;
        } finally {
            PgvaultDist.deleteTree(base);
        }
    }

    /** How many files a delta restore's line says it judged by their size and times. */
    private static int judged(String line) {
        java.util.regex.Matcher judged = java.util.regex.Pattern.compile("; (\\d+) files judged by their size and times,"
                + " not hashed$").matcher(line);
        assertTrue(judged.find(), line);
        return Integer.parseInt(judged.group(1));
    }

    /**
     * {@code --trust-times} along a chain of incrementals: a table changed between the full A and
     * the incremental X is stored by X as pages over A's copy; the incremental B, which finds it
     * unchanged, lists the same pages. A copy restored from X and brought to B keeps the table
     * as it is, where reading it found it unlike A's base and wrote it all again.
     */
    @Test
    @Timeout(600)
    void alongAChainOfIncrementalsATableStoredAsTheSamePagesIsKeptWhole() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        Path base = pgUser.newDirectory("pgvault-delta-chain");
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on")) {
            Path config = archiving(dist, pgUser, repo, pg);
            long tableBytes;
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE big (id int PRIMARY KEY, pad text) WITH (autovacuum_enabled = off)");
                st.execute("INSERT INTO big SELECT g, repeat(md5(g::text), 6) FROM generate_series(1, 60000) g");
                st.execute("VACUUM (FREEZE) big");
                st.execute("CREATE TABLE story (id int PRIMARY KEY)");
                tableBytes = Long.parseLong(value(st, "SELECT pg_relation_size('big')"));
            }
            dist.run(pgUser, config, "backup").ok();
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("UPDATE big SET pad = 'changed' WHERE id % 1000 = 0");
                st.execute("VACUUM (FREEZE) big"); // no hint bit left for a later read to set
            }
            String x = backupId(dist.run(pgUser, config, "backup", "--type", "incr").ok(), 'I');
            Path copy = base.resolve("data");
            dist.run(pgUser, config, "restore", "--pgdata", copy.toString(), "--backup", x).ok();
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                insert(st, 1, 500); // big is not touched
            }
            String b = backupId(dist.run(pgUser, config, "backup", "--type", "incr").ok(), 'I');

            Proc delta = dist.run(pgUser, config, "restore", "--delta", "--trust-times", "--pgdata", copy.toString(),
                    "--backup", b, "--target-immediate", "--target-action", "promote").ok();
            String restored = lineOf(delta, "restored backup ");
            assertTrue(writtenBytes(restored) < tableBytes / 4, "the " + tableBytes + "-byte table is kept, not"
                    + " written from its base again: " + delta.stdout());

            assertSameFiles(freshRestore(dist, pgUser, config, base, b), copy);

            assertCopyHolds(pgUser, copy, PgCluster.freePort(), base, Map.of(
                    "SELECT count(*) FROM story", "500",
                    "SELECT count(*) FROM big WHERE pad = 'changed'", "60"));
            System.out.println("delta restore along a chain trusting times: " + restored);
        } finally {
            PgvaultDist.deleteTree(base);
        }
    }

    /** The id of the backup of {@code type} ('F', 'I') that {@code backup} says it took. */
    private static String backupId(Proc backup, char type) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\d{8}-\\d{6}" + type).matcher(backup.stdout());
        assertTrue(m.find(), backup.stdout());
        return m.group();
    }

    /** The first line of {@code p}'s output that starts with {@code prefix}. */
    private static String lineOf(Proc p, String prefix) {
        return p.stdout().lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(
                () -> new AssertionError("no line starting '" + prefix + "' in: " + p.stdout()));
    }

    /** The bytes a restore's "restored backup ..." line says it wrote. */
    private static double writtenBytes(String restored) {
        java.util.regex.Matcher mb = java.util.regex.Pattern.compile(", ([0-9.]+) MB in ").matcher(restored);
        assertTrue(mb.find(), restored);
        return Double.parseDouble(mb.group(1)) * 1e6;
    }

    /** Backup {@code id} restored into an empty directory under {@code base}, set up as the deltas here are. */
    private static Path freshRestore(PgvaultDist dist, OsUser pgUser, Path config, Path base, String id) throws Exception {
        Path fresh = base.resolve("fresh");
        dist.run(pgUser, config, "restore", "--pgdata", fresh.toString(), "--backup", id, "--target-immediate",
                "--target-action", "promote").ok();
        return fresh;
    }

    /** That {@code copy} holds the files {@code fresh} holds, with the same modes, times and bytes: names the paths that differ. */
    private static void assertSameFiles(Path fresh, Path copy) throws Exception {
        Map<String, String> want = digests(fresh);
        Map<String, String> got = digests(copy);
        java.util.Set<String> differ = new java.util.TreeSet<>(want.keySet());
        differ.addAll(got.keySet());
        differ.removeIf(k -> java.util.Objects.equals(want.get(k), got.get(k)));
        assertEquals(java.util.Set.of(), differ, "the copy is what a restore of the backup into an empty directory writes");
    }

    /**
     * The files a restore writes itself, at its end, with the time of the restore (backup_label and
     * tablespace_map get the backup's start, and are compared with it).
     */
    private static final java.util.Set<String> WRITTEN_AT_THE_END = java.util.Set.of("recovery.signal", "postgresql.auto.conf");

    /**
     * Every regular file under {@code dir}, by its path there, with its mode, its time (but for
     * {@link #WRITTEN_AT_THE_END}) and the SHA-256 of its bytes; of postgresql.auto.conf, without
     * the moment its recovery settings were written.
     */
    private static Map<String, String> digests(Path dir) throws Exception {
        Map<String, String> out = new java.util.TreeMap<>();
        try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(f -> Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)).toList()) {
                String rel = dir.relativize(p).toString();
                byte[] b = Files.readAllBytes(p);
                if (rel.equals("postgresql.auto.conf")) {
                    b = new String(b, java.nio.charset.StandardCharsets.UTF_8).replaceAll("(# recovery settings written by .*) at .*",
                            "$1").getBytes(java.nio.charset.StandardCharsets.UTF_8);
                }
                String mode = java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                String time = WRITTEN_AT_THE_END.contains(rel) ? "" : " " + Files.getLastModifiedTime(p).toMillis() / 1000;
                out.put(rel, mode + time + " "
                        + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b)));
            }
        }
        return out;
    }

    /**
     * A table stored in 1 MiB parts, one row of it updated in place on the copy: the delta writes
     * that part again, not the table.
     */
    @Test
    @Timeout(600)
    void aSplitTableWithOnePageChangedHasOnlyThatPartWrittenAgain() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        Path base = pgUser.newDirectory("pgvault-delta-parts");
        Map<String, String> smallParts = Map.of("PGVAULT_JAVA_OPTS", "-Dpgvault.backup.part-size=" + (1 << 20));
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on")) {
            Path config = archiving(dist, pgUser, repo, pg);
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                // room in every page, so that an update stays in its page (HOT) and the file keeps its size
                st.execute("CREATE TABLE big (id int PRIMARY KEY, pad text) WITH (fillfactor = 50)");
                st.execute("INSERT INTO big SELECT g, repeat(md5(g::text), 6) FROM generate_series(1, 40000) g");
                st.execute("VACUUM (FREEZE) big"); // no hint bit left for the copy's reads to set
                st.execute("CHECKPOINT");
            }
            dist.run(pgUser, smallParts, config, "backup").ok();

            Path copy = base.resolve("data");
            dist.run(pgUser, config, "restore", "--pgdata", copy.toString(), "--target-immediate", "--target-action",
                    "promote").ok();
            int port = PgCluster.freePort();
            start(pgUser, copy, port, base);
            long tableBytes;
            try (Connection c = connect(port); Statement st = c.createStatement()) {
                awaitPromoted(st);
                tableBytes = Long.parseLong(value(st, "SELECT pg_relation_size('big')"));
                st.execute("UPDATE big SET pad = 'changed' WHERE id = 20000");
                st.execute("CHECKPOINT");
            } finally {
                stop(pgUser, copy);
            }
            assertTrue(tableBytes > 10 << 20, "the table spans many 1 MiB parts: " + tableBytes);

            Proc delta = dist.run(pgUser, config, "restore", "--delta", "--pgdata", copy.toString(), "--target-immediate",
                    "--target-action", "promote").ok();
            String restored = lineOf(delta, "restored backup ");
            assertTrue(writtenBytes(restored) < tableBytes / 2, "only the changed part of the table and"
                    + " the small files the copy changed are written again, not the " + tableBytes + "-byte table: " + restored);

            assertCopyHolds(pgUser, copy, port, base, Map.of(
                    "SELECT count(*) FROM big", "40000",
                    "SELECT count(*) FROM big WHERE pad <> repeat(md5(id::text), 6)", "0"));
            System.out.println("delta restore of a split table: " + restored);
        } finally {
            PgvaultDist.deleteTree(base);
        }
    }

    /**
     * A server with a tablespace ran on after its backup and stopped: a delta restore brings its
     * data directory and its tablespace back through the link, leaving another major version's
     * directory in the location alone. Before that, a copy of its data directory (its link to the
     * same location) is refused while the server runs, with nothing changed.
     */
    @Test
    @Timeout(600)
    void aServerWithATablespaceIsBroughtBackAndALiveServersLocationIsNeverWritten() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        Path base = pgUser.newDirectory("pgvault-delta-ts");
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on")) {
            Path location = pg.base.resolve("ts_fast");
            Files.createDirectory(location);
            pgUser.own(location);
            Path config = archiving(dist, pgUser, repo, pg);
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLESPACE fast LOCATION '" + location + "'");
                st.execute("CREATE TABLE story (id int PRIMARY KEY) TABLESPACE fast");
                insert(st, 1, 1000);
            }
            dist.run(pgUser, config, "backup").ok();

            // A copy of the stopped server's directory, its tablespace link pointing at the live location.
            pg.stop();
            Path copy = base.resolve("copy");
            Proc.run(pgUser, List.of("cp", "-a", pg.data.toString(), copy.toString())).ok();
            pg.start();
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                insert(st, 1001, 3000);
                st.execute("CREATE TABLE later (id int) TABLESPACE fast");
                st.execute("CHECKPOINT");
            }
            Proc refused = dist.run(pgUser, config, "restore", "--delta", "--pgdata", copy.toString());
            assertEquals(2, refused.exitCode(), refused.stderr());
            assertTrue(refused.stderr().contains("tablespace location " + location + " for pg_tblspc/")
                    && refused.stderr().contains(", in use by the PostgreSQL running in " + pg.data.toRealPath() + " (pid ")
                    && refused.stderr().contains("nothing was changed"), refused.stderr());
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CHECKPOINT");
                assertEquals("3000", value(st, "SELECT count(*) FROM story"), "the live server's table");
            }
            assertTrue(Files.exists(copy.resolve("global/pg_control")), "the copy is untouched");

            pg.stop();
            Path foreign = Files.createDirectories(location.resolve("PG_16_202307071"));
            Files.writeString(foreign.resolve("1"), "another major version's");
            pgUser.own(foreign);
            Proc delta = dist.run(pgUser, config, "restore", "--delta", "--pgdata", pg.data.toString(), "--target-immediate",
                    "--target-action", "promote").ok();
            String kept = lineOf(delta, "delta: ");
            assertTrue(Integer.parseInt(kept.split(" ")[1]) > 700, kept);

            assertCopyHolds(pgUser, pg.data, PgCluster.freePort(), base, Map.of(
                    "SELECT count(*) || ' ' || max(id) FROM story", "1000 1000",
                    "SELECT count(*) FROM pg_class WHERE relname = 'later'", "0",
                    "SELECT pg_tablespace_location(oid) FROM pg_tablespace WHERE spcname = 'fast'", location.toString()));
            assertEquals("another major version's", Files.readString(foreign.resolve("1")));
            System.out.println("delta restore with a tablespace: " + kept);
        } finally {
            PgvaultDist.deleteTree(base);
        }
    }

    /** {@code pg} archiving into {@code repo} through pgvault, started, its stanza made; returns the configuration. */
    private static Path archiving(PgvaultDist dist, OsUser pgUser, TestRepo repo, PgCluster pg) throws Exception {
        Path config = repo.config("main", pg);
        Files.writeString(pg.data.resolve("postgresql.auto.conf"), "archive_command = '" + dist.launcher()
                + " --config " + config + " archive-push %p'\n", StandardOpenOption.APPEND);
        pg.start();
        dist.run(pgUser, config, "init").ok();
        return config;
    }

    /** Starts the restored copy, waits for its promotion, checks each query's answer, stops it, and runs pg_checksums --check on it. */
    private static void assertCopyHolds(OsUser pgUser, Path copy, int port, Path base, Map<String, String> answers)
            throws Exception {
        start(pgUser, copy, port, base);
        try (Connection c = connect(port); Statement st = c.createStatement()) {
            awaitPromoted(st);
            for (Map.Entry<String, String> a : answers.entrySet()) {
                assertEquals(a.getValue(), value(st, a.getKey()), a.getKey());
            }
        } finally {
            stop(pgUser, copy);
        }
        Proc checksums = Proc.run(pgUser, List.of(PgCluster.BIN.resolve("pg_checksums").toString(), "--check", "-D",
                copy.toString()));
        assertEquals(0, checksums.exitCode(), checksums.stdout() + checksums.stderr());
    }
}
