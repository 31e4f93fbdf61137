package dev.pgvault.it;

import static dev.pgvault.it.PointInTimeRecoveryIT.value;
import static dev.pgvault.it.RestoredCopy.awaitPromoted;
import static dev.pgvault.it.RestoredCopy.connect;
import static dev.pgvault.it.RestoredCopy.start;
import static dev.pgvault.it.RestoredCopy.stop;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Incremental and differential backups on real parts: a full → incr → diff → incr chain taken
 * while pgbench writes, each link restored into an empty directory and started (pgbench's
 * invariant holds, pg_amcheck and pg_checksums are clean), a point in time between two links
 * reached exactly, the newest link restored with --delta over a stale copy; and the hard cases of
 * the page-LSN rule (truncation, extension, a relation and two databases dropped and made again
 * under the same file names, by both CREATE DATABASE strategies, an unlogged table), compared file
 * by file and page by page with a full backup taken at the same moment.
 */
@Concurrent
class IncrementalBackupIT {
    private static final String INVARIANT = "SELECT ((SELECT sum(abalance) FROM pgbench_accounts)"
            + " = (SELECT coalesce(sum(delta), 0) FROM pgbench_history)"
            + " AND (SELECT sum(bbalance) FROM pgbench_branches) = (SELECT coalesce(sum(delta), 0) FROM pgbench_history)"
            + " AND (SELECT sum(tbalance) FROM pgbench_tellers) = (SELECT coalesce(sum(delta), 0) FROM pgbench_history))::text"
            + " || ' ' || (SELECT count(*) FROM pgbench_history)";

    @BeforeAll
    static void needsPostgres() {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found in " + PgCluster.BIN);
    }

    static Stream<Arguments> repositories() {
        return Stream.of(Arguments.of(TestRepo.Kind.FS, false), Arguments.of(TestRepo.Kind.S3, true));
    }

    @ParameterizedTest(name = "{0} encrypted={1}")
    @MethodSource("repositories")
    @Timeout(900)
    void aChainTakenWhilePgbenchWritesRestoresEveryLink(TestRepo.Kind kind, boolean encrypted) throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        Path work = pgUser.newDirectory("pgvault-incr");
        try (TestRepo repo = TestRepo.create(kind, encrypted, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on", "archive_timeout = 5")) {
            Path config = archiving(dist, repo, pg, kind == TestRepo.Kind.S3);
            pg.client("pgbench", "-i", "-s", "2", "-q", "postgres").ok();
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE marks (id int PRIMARY KEY, at timestamptz)");
            }

            // Writing through all four backups, stopped after the last: a fixed -T only waited
            // (and wrote WAL that every restore below then replayed) once the chain was taken.
            Process writer = pg.startPgbench();
            String full;
            String incr1;
            String between;
            String diff;
            String incr2;
            try {
                Thread.sleep(2000);
                full = backup(dist, pgUser, config, "full", 'F', null);
                incr1 = backup(dist, pgUser, config, "incr", 'I', full);
                try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                    st.execute("INSERT INTO marks VALUES (1, clock_timestamp())");
                    Thread.sleep(1500);
                    between = value(st, "SELECT clock_timestamp()::text");
                    Thread.sleep(1500);
                    st.execute("INSERT INTO marks VALUES (2, clock_timestamp())");
                }
                diff = backup(dist, pgUser, config, "diff", 'D', full);
                incr2 = backup(dist, pgUser, config, "incr", 'I', diff);
                assertTrue(writer.isAlive(), "pgbench wrote until the chain was taken");
            } finally {
                writer.destroy();
                writer.waitFor(30, TimeUnit.SECONDS);
            }
            assertFalse(writer.isAlive(), "pgbench stopped");
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("SELECT pg_switch_wal()");
            }

            String json = dist.run(pgUser, config, "info", "--output", "json").ok().stdout();
            for (String[] link : new String[][] {{full, "full", null}, {incr1, "incr", full}, {diff, "diff", full},
                {incr2, "incr", diff}}) {
                String entry = json.substring(json.indexOf("\"id\" : \"" + link[0] + "\""));
                entry = entry.substring(0, entry.indexOf('}'));
                assertTrue(entry.contains("\"type\" : \"" + link[1] + "\""), entry);
                assertTrue(entry.contains("\"parent\" : " + (link[2] == null ? "null" : "\"" + link[2] + "\"")), entry);
            }
            String table = dist.run(pgUser, config, "info").ok().stdout();
            assertTrue(table.lines().anyMatch(l -> l.strip().startsWith(incr2 + "  incr  " + diff)), table);
            Proc verify = dist.run(pgUser, config, "verify").ok();
            System.out.println(kind + " verify: " + verify.stdout().strip());

            List<String> counts = new ArrayList<>();
            for (String id : List.of(full, incr1, diff, incr2)) {
                Path dir = work.resolve(id);
                dist.run(pgUser, config, "restore", "--backup", id, "--pgdata", dir.toString(), "--target-immediate",
                        "--target-action", "promote").ok();
                counts.add(startCheckStop(pgUser, dir, work));
            }
            System.out.println(kind + " chain " + List.of(full, incr1, diff, incr2) + ": history rows " + counts);

            // A point in time between the first incremental and the diff: mark 1, not mark 2.
            Path pitr = work.resolve("pitr");
            dist.run(pgUser, config, "restore", "--pgdata", pitr.toString(), "--target-time", between,
                    "--target-action", "promote").ok();
            int port = PgCluster.freePort();
            start(pgUser, pitr, port, work);
            try (Connection c = connect(port); Statement st = c.createStatement()) {
                awaitPromoted(st);
                assertEquals("1", value(st, "SELECT string_agg(id::text, ',') FROM marks"));
                assertEquals("true", value(st, INVARIANT).split(" ")[0]);
            } finally {
                stop(pgUser, pitr);
            }

            // --delta of the newest link over the full's restored (and started, so stale) copy.
            Path stale = work.resolve(full);
            Proc delta = dist.run(pgUser, config, "restore", "--delta", "--backup", incr2, "--pgdata", stale.toString(),
                    "--target-immediate", "--target-action", "promote").ok();
            System.out.println(kind + " delta: " + delta.stdout().lines().filter(l -> l.startsWith("delta:")).findFirst()
                    .orElse(delta.stdout()));
            assertEquals(counts.get(3), startCheckStop(pgUser, stale, work),
                    "a delta restore of " + incr2 + " holds what its restore into an empty directory holds");

            // The full gone from under the chain: restore, backup and verify each say what is missing.
            try (var blobs = repo.blobs()) {
                blobs.delete("main/backup/" + full + "/backup.manifest");
            }
            Path orphan = work.resolve("orphan");
            Proc refused = dist.run(pgUser, config, "restore", "--backup", incr2, "--pgdata", orphan.toString());
            assertEquals(6, refused.exitCode(), refused.stderr());
            assertTrue(refused.stderr().contains("needs backup " + full) && refused.stderr().contains("not in the repository"),
                    refused.stderr());
            assertTrue(!Files.exists(orphan), "nothing written");
            Proc broken = dist.run(pgUser, config, "backup", "--type", "incr", "--no-expire");
            assertEquals(6, broken.exitCode(), broken.stderr());
            assertTrue(broken.stderr().contains("needs backup " + full) && broken.stderr().contains("take a full backup"),
                    broken.stderr());
            Proc damaged = dist.run(pgUser, config, "verify");
            assertTrue(damaged.exitCode() != 0 && damaged.stdout().contains("backup " + incr2 + ": needs backup " + full
                    + ", which is not in the repository"), damaged.stdout() + damaged.stderr());
        } finally {
            PgvaultDist.deleteTree(work);
        }
    }

    @Test
    @Timeout(900)
    void anIncrementalRestoresWhatAFullAtTheSameMomentRestoresThroughTheHardCases() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        Path work = pgUser.newDirectory("pgvault-incr-hard");
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on", "autovacuum = off")) {
            Path config = archiving(dist, repo, pg);
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE shrink AS SELECT g, md5(g::text) AS h FROM generate_series(1, 20000) g");
                st.execute("CREATE TABLE grow AS SELECT g, md5(g::text) AS h FROM generate_series(1, 100) g");
                st.execute("CREATE TABLE replaced AS SELECT g FROM generate_series(1, 3000) g");
                st.execute("CREATE UNLOGGED TABLE scratch AS SELECT g FROM generate_series(1, 1000) g");
                st.execute("CREATE DATABASE tmpl");
                st.execute("CREATE DATABASE fc OID 50000 STRATEGY FILE_COPY");
                st.execute("CREATE DATABASE wl OID 50001 STRATEGY WAL_LOG");
            }
            try (Connection c = connect(pg.port, "tmpl"); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE t AS SELECT g, md5(g::text) AS h FROM generate_series(1, 5000) g");
                st.execute("VACUUM (FREEZE) t");
                st.execute("CHECKPOINT");
            }
            String full = backup(dist, pgUser, config, "full", 'F', null);

            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("DELETE FROM shrink WHERE g > 100");
                st.execute("VACUUM shrink"); // truncates the relation
                st.execute("INSERT INTO grow SELECT g, md5(g::text) FROM generate_series(101, 60000) g");
                st.execute("TRUNCATE replaced");
                st.execute("INSERT INTO replaced SELECT g FROM generate_series(1, 10) g");
                st.execute("INSERT INTO scratch SELECT g FROM generate_series(1, 1000) g");
                // The same database OIDs, so the same file names, now copies of tmpl with its old page LSNs.
                st.execute("DROP DATABASE fc");
                st.execute("CREATE DATABASE fc OID 50000 TEMPLATE tmpl STRATEGY FILE_COPY");
                st.execute("DROP DATABASE wl");
                st.execute("CREATE DATABASE wl OID 50001 TEMPLATE tmpl STRATEGY WAL_LOG");
                st.execute("CHECKPOINT");
            }
            String incr = backup(dist, pgUser, config, "incr", 'I', full);
            String full2 = backup(dist, pgUser, config, "full", 'F', null);
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("SELECT pg_switch_wal()");
            }

            Path a = work.resolve("incr");
            Path b = work.resolve("full");
            dist.run(pgUser, config, "restore", "--backup", incr, "--pgdata", a.toString(), "--target-immediate",
                    "--target-action", "promote").ok();
            dist.run(pgUser, config, "restore", "--backup", full2, "--pgdata", b.toString(), "--target-immediate",
                    "--target-action", "promote").ok();
            Comparison cmp = compare(a, b);
            System.out.println("incremental " + incr + " against full " + full2 + ": " + cmp);
            assertEquals(List.of(), cmp.onlyInOne(), "both restores hold the same files");
            assertEquals(List.of(), cmp.sizeDiffers(), "and of the same sizes");
            assertTrue(cmp.lsnDiffers().isEmpty(), "every relation page is the same version (page LSN) in both; "
                    + cmp.lsnDiffers().size() + " are not: " + cmp.lsnDiffers().subList(0, Math.min(10, cmp.lsnDiffers().size())));

            int port = PgCluster.freePort();
            start(pgUser, a, port, work);
            try (Connection c = connect(port, "postgres"); Statement st = c.createStatement()) {
                awaitPromoted(st);
                assertEquals("100", value(st, "SELECT count(*) FROM shrink"));
                assertEquals("60000", value(st, "SELECT count(*) FROM grow"));
                assertEquals("10", value(st, "SELECT count(*) FROM replaced"));
                assertEquals("0", value(st, "SELECT count(*) FROM scratch"));
            }
            for (String db : List.of("fc", "wl")) {
                try (Connection c = connect(port, db); Statement st = c.createStatement()) {
                    assertEquals("5000 " + md5Of5000(), value(st, "SELECT count(*) || ' ' || md5(string_agg(h, ',' ORDER BY g)) FROM t"),
                            "database " + db + " is tmpl's copy, not the one dropped");
                }
            }
            Proc amcheck = Proc.run(pgUser, List.of(PgCluster.BIN.resolve("pg_amcheck").toString(), "-h", "127.0.0.1", "-p",
                    String.valueOf(port), "-U", "postgres", "--all", "--heapallindexed", "--install-missing"));
            stop(pgUser, a);
            assertEquals(0, amcheck.exitCode(), amcheck.stdout() + amcheck.stderr());
            Proc checksums = Proc.run(pgUser, List.of(PgCluster.BIN.resolve("pg_checksums").toString(), "--check", "-D",
                    a.toString()));
            assertEquals(0, checksums.exitCode(), checksums.stdout() + checksums.stderr());
        } finally {
            PgvaultDist.deleteTree(work);
        }
    }

    @Test
    @Timeout(600)
    void pagesAreNotTrustedByLsnWithoutChecksumsOrWalLogHintsNorAcrossAChecksumChange() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on")) {
            Proc.run(pgUser, List.of(PgCluster.BIN.resolve("pg_checksums").toString(), "--disable", "-D", pg.data.toString())).ok();
            Path config = archiving(dist, repo, pg);
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE t AS SELECT g, md5(g::text) AS h FROM generate_series(1, 20000) g");
            }
            String full = backup(dist, pgUser, config, "full", 'F', null);
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("UPDATE t SET h = 'x' WHERE g = 1");
                st.execute("VACUUM t"); // sets all-visible flags: without checksums or wal_log_hints, no new page LSN
            }
            Proc incr = dist.run(pgUser, config, "--verbose", "backup", "--type", "incr", "--no-expire").ok();
            assertTrue(incr.stderr().contains("relation files compared whole, not by page: the cluster has neither data"
                    + " checksums nor wal_log_hints on"), incr.stderr());
            assertTrue(incr.stdout().contains("incr backup "), incr.stdout());

            // Checksums enabled offline rewrite every page without a new LSN: the next incr is a full.
            pg.stop();
            Proc.run(pgUser, List.of(PgCluster.BIN.resolve("pg_checksums").toString(), "--enable", "-D", pg.data.toString())).ok();
            pg.start();
            Proc after = dist.run(pgUser, config, "backup", "--type", "incr", "--no-expire").ok();
            assertTrue(after.stdout().lines().findFirst().orElseThrow().endsWith("F"), after.stdout());
            assertTrue(after.stderr().contains("was taken with data checksums off and the cluster now has them on: taking a full"
                    + " backup"), after.stderr());
            System.out.println("no checksums: " + full + ", then " + incr.stdout().lines().skip(1).findFirst().orElse(""));
        }
    }

    private static String md5Of5000() throws Exception {
        StringBuilder s = new StringBuilder();
        java.security.MessageDigest md5 = java.security.MessageDigest.getInstance("MD5");
        for (int g = 1; g <= 5000; g++) {
            s.append(g == 1 ? "" : ",").append(java.util.HexFormat.of().formatHex(md5.digest(String.valueOf(g).getBytes())));
        }
        return java.util.HexFormat.of().formatHex(md5.digest(s.toString().getBytes()));
    }

    private static Path archiving(PgvaultDist dist, TestRepo repo, PgCluster pg) throws Exception {
        return archiving(dist, repo, pg, false);
    }

    /**
     * With {@code async}, archive.async on: on S3, synchronous archive-push falls behind pgbench on
     * two cores, and every backup then waits seconds for its last segment.
     */
    private static Path archiving(PgvaultDist dist, TestRepo repo, PgCluster pg, boolean async) throws Exception {
        Path config = async ? repo.asyncConfig("main", pg) : repo.config("main", pg);
        Files.writeString(pg.data.resolve("postgresql.auto.conf"), "archive_command = '" + dist.launcher()
                + " --config " + config + " archive-push %p'\n", StandardOpenOption.APPEND);
        pg.start();
        dist.run(pg.user, config, "init").ok();
        return config;
    }

    /** Takes a backup of {@code type}; checks the id's letter and the parent it reports. */
    private static String backup(PgvaultDist dist, OsUser user, Path config, String type, char letter, String parent) {
        Proc p = dist.run(user, config, "--verbose", "backup", "--type", type, "--no-expire").ok();
        String id = p.stdout().lines().findFirst().orElseThrow();
        assertTrue(id.matches("\\d{8}-\\d{6}" + letter), p.stdout() + p.stderr());
        assertTrue(p.stdout().contains(type + " backup " + id + (parent == null ? ":" : " (on " + parent + "):")), p.stdout());
        System.out.println(p.stdout().lines().skip(1).findFirst().orElse("") + "\n" + p.stderr().lines()
                .filter(l -> l.contains("compared") || l.contains("read the WAL")).reduce("", (x, y) -> x + y + "\n"));
        return id;
    }

    /** Starts a restored copy, checks pgbench's invariant, pg_amcheck and pg_checksums; returns the history row count. */
    private static String startCheckStop(OsUser user, Path dir, Path work) throws Exception {
        int port = PgCluster.freePort();
        start(user, dir, port, work);
        String rows;
        try (Connection c = connect(port); Statement st = c.createStatement()) {
            awaitPromoted(st);
            String[] inv = value(st, INVARIANT).split(" ");
            assertEquals("true", inv[0], "pgbench's balances add up in " + dir);
            rows = inv[1];
            Proc amcheck = Proc.run(user, List.of(PgCluster.BIN.resolve("pg_amcheck").toString(), "-h", "127.0.0.1", "-p",
                    String.valueOf(port), "-U", "postgres", "--heapallindexed", "--install-missing", "postgres"));
            assertEquals(0, amcheck.exitCode(), amcheck.stdout() + amcheck.stderr());
        } finally {
            stop(user, dir);
        }
        Proc checksums = Proc.run(user, List.of(PgCluster.BIN.resolve("pg_checksums").toString(), "--check", "-D",
                dir.toString()));
        assertEquals(0, checksums.exitCode(), checksums.stdout() + checksums.stderr());
        return rows;
    }

    /** What differs between two restored data directories, before either starts. */
    record Comparison(List<String> onlyInOne, List<String> sizeDiffers, List<String> lsnDiffers, int files,
            int pagesDiffering, List<String> filesWithDifferingPages) {

        @Override
        public String toString() {
            return files + " files compared; " + pagesDiffering + " relation pages differ in bytes but not in LSN, in "
                    + filesWithDifferingPages;
        }
    }

    private static Comparison compare(Path a, Path b) throws Exception {
        Map<String, Path> fa = relationAndControlFiles(a);
        Map<String, Path> fb = relationAndControlFiles(b);
        List<String> only = new ArrayList<>();
        List<String> size = new ArrayList<>();
        List<String> lsn = new ArrayList<>();
        List<String> differing = new ArrayList<>();
        int pages = 0;
        for (String p : fa.keySet()) {
            if (!fb.containsKey(p)) {
                only.add(p);
            }
        }
        for (String p : fb.keySet()) {
            if (!fa.containsKey(p)) {
                only.add(p);
            }
        }
        for (Map.Entry<String, Path> e : fa.entrySet()) {
            Path other = fb.get(e.getKey());
            if (other == null) {
                continue;
            }
            byte[] x = Files.readAllBytes(e.getValue());
            byte[] y = Files.readAllBytes(other);
            if (x.length != y.length) {
                size.add(e.getKey() + " " + x.length + " vs " + y.length);
                continue;
            }
            boolean paged = e.getKey().matches(".*/\\d+(\\.\\d+)?$") && x.length % 8192 == 0;
            int here = 0;
            for (int off = 0; off < x.length; off += 8192) {
                int len = Math.min(8192, x.length - off);
                if (java.util.Arrays.equals(x, off, off + len, y, off, off + len)) {
                    continue;
                }
                if (paged && lsnOf(x, off) != lsnOf(y, off)) {
                    lsn.add(e.getKey() + " block " + off / 8192 + ": lsn " + Long.toHexString(lsnOf(x, off)) + " vs "
                            + Long.toHexString(lsnOf(y, off)));
                }
                here++;
            }
            if (here > 0) {
                pages += here;
                differing.add(e.getKey() + " (" + here + ")");
            }
        }
        return new Comparison(only, size, lsn, fa.size(), pages, differing);
    }

    /** Files under base/ and global/ but pg_control (its own every backup) and pg_internal.init (never restored). */
    private static Map<String, Path> relationAndControlFiles(Path dir) throws Exception {
        Map<String, Path> out = new TreeMap<>();
        for (String top : List.of("base", "global")) {
            try (Stream<Path> s = Files.walk(dir.resolve(top))) {
                s.filter(Files::isRegularFile).forEach(p -> {
                    String rel = dir.relativize(p).toString();
                    if (!rel.equals("global/pg_control") && !rel.endsWith("pg_internal.init")) {
                        out.put(rel, p);
                    }
                });
            }
        }
        return out;
    }

    private static long lsnOf(byte[] page, int off) {
        ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.nativeOrder());
        return (Integer.toUnsignedLong(b.getInt(off)) << 32) | Integer.toUnsignedLong(b.getInt(off + 4));
    }
}
