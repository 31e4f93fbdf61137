package dev.pgvault.it;

import static dev.pgvault.it.PointInTimeRecoveryIT.assertRestore;
import static dev.pgvault.it.PointInTimeRecoveryIT.insert;
import static dev.pgvault.it.PointInTimeRecoveryIT.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgvault.storage.BlobInfo;
import dev.pgvault.storage.BlobStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * archive.async on PostgreSQL 15: WAL archived through the resident archiver and the launcher's
 * answers, with the archiver killed mid-burst, its spool removed under it and the repository
 * unwritable for a while: every segment PostgreSQL counted as archived is in the repository
 * and the archive has no gap; recovery fetches ahead through the spool; S3 with encryption; two
 * stanzas on one host.
 */
class AsyncArchivingIT {
    private static final Pattern SEGMENT = Pattern.compile("[0-9A-F]{24}");

    @BeforeAll
    static void needsPostgres() {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found in " + PgCluster.BIN);
    }

    /** A cluster archiving through pgvault with archive.async on, its spool under the repository's directory. */
    private static Path asyncConfig(TestRepo repo, String stanza, PgCluster pg, PgvaultDist dist)
            throws Exception {
        Path config = repo.asyncConfig(stanza, pg);
        Files.writeString(pg.data.resolve("postgresql.auto.conf"), "archive_command = '" + dist.launcher()
                + " --config " + config + " archive-push %p'\n", StandardOpenOption.APPEND);
        return config;
    }

    /** {@code n} segments of WAL as fast as PostgreSQL writes them, each switched out. */
    private static void burst(PgCluster pg, int n) throws Exception {
        try (Connection c = pg.connect(); Statement st = c.createStatement()) {
            st.execute("DO $$ BEGIN FOR i IN 1.." + n + " LOOP INSERT INTO noise SELECT g, md5(random()::text)"
                    + " FROM generate_series(1, 20000) g; PERFORM pg_switch_wal(); END LOOP; END $$");
        }
    }

    private static CompletableFuture<Void> burstAsync(PgCluster pg, int n) {
        return CompletableFuture.runAsync(() -> {
            try {
                burst(pg, n);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static int ready(PgCluster pg) throws Exception {
        try (Stream<Path> s = Files.list(pg.data.resolve("pg_wal/archive_status"))) {
            return (int) s.filter(p -> p.toString().endsWith(".ready")).count();
        }
    }

    private static void awaitArchived(PgCluster pg, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (ready(pg) > 0) {
            assertTrue(System.nanoTime() < deadline, ready(pg) + " segments still not archived after " + seconds + " s");
            Thread.sleep(100);
        }
    }

    /** Segment names in the repository's WAL area. */
    private static TreeSet<String> archived(TestRepo repo, String stanza) throws Exception {
        TreeSet<String> names = new TreeSet<>();
        try (BlobStore blobs = repo.blobs(); Stream<BlobInfo> all = blobs.list(stanza + "/wal/")) {
            all.map(b -> b.key().substring(b.key().lastIndexOf('/') + 1)).filter(n -> SEGMENT.matcher(n).matches())
                    .forEach(names::add);
        }
        return names;
    }

    /**
     * Every segment PostgreSQL marked done is in the repository (nothing acknowledged that was not
     * stored: nothing is ever removed, so what is missing now was missing when acknowledged), and
     * the archive has no hole between its first and last segment.
     */
    private static void assertNoGap(PgCluster pg, TestRepo repo, String stanza) throws Exception {
        TreeSet<String> stored = archived(repo, stanza);
        try (Stream<Path> s = Files.list(pg.data.resolve("pg_wal/archive_status"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String f = p.getFileName().toString();
                if (f.endsWith(".done") && SEGMENT.matcher(f.substring(0, f.length() - 5)).matches()) {
                    assertTrue(stored.contains(f.substring(0, f.length() - 5)), f + " acknowledged but not stored");
                }
            }
        }
        long first = Long.parseLong(stored.first().substring(16), 16);
        long last = Long.parseLong(stored.last().substring(16), 16);
        assertEquals(last - first + 1, stored.size(), "a gap in " + stored);
    }

    private static Path spoolOf(TestRepo repo) throws Exception {
        try (Stream<Path> s = Files.list(repo.dir.resolve("spool"))) {
            return s.filter(Files::isDirectory).findFirst().orElseThrow();
        }
    }

    /** SIGKILL to the running archiver, once there is one (the pid file of a killed one stays behind). */
    private static void killArchiver(Path spool) throws Exception {
        Path pidFile = spool.resolve("daemon.pid");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                ProcessHandle h = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip())).orElse(null);
                if (h != null && h.isAlive()) {
                    h.destroyForcibly();
                    h.onExit().get(20, TimeUnit.SECONDS);
                    return;
                }
            } catch (java.io.IOException | NumberFormatException e) {
                // not written yet
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no archiver ran within 30 s");
    }

    @Test
    @Timeout(600)
    void everySegmentArrivesThroughKillsARemovedSpoolAndAnUnwritableRepository() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on", "max_wal_size = 2GB")) {
            Path config = asyncConfig(repo, "main", pg, dist);
            pg.start();
            dist.run(pgUser, config, "init").ok();
            int rows = 0;
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE noise (id bigint, body text)");
                st.execute("CREATE TABLE story (id int PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())");
                insert(st, 1, 100);
                rows = 100;
            }
            dist.run(pgUser, config, "backup").ok();
            burst(pg, 10);
            awaitArchived(pg, 120);
            Path spool = spoolOf(repo);
            assertTrue(Files.exists(spool.resolve("status.json")), "the resident archiver ran");

            // The resident archiver killed in the middle of bursts, three times.
            for (int k = 0; k < 3; k++) {
                CompletableFuture<Void> writing = burstAsync(pg, 12);
                Thread.sleep(700);
                killArchiver(spool);
                writing.get(120, TimeUnit.SECONDS);
                try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                    insert(st, rows + 1, rows + 100);
                    rows += 100;
                }
            }
            awaitArchived(pg, 120);
            assertNoGap(pg, repo, "main");

            // The spool removed under it, in the middle of a burst.
            CompletableFuture<Void> writing = burstAsync(pg, 12);
            Thread.sleep(500);
            PgvaultDist.deleteTree(spool);
            writing.get(120, TimeUnit.SECONDS);
            awaitArchived(pg, 120);
            assertNoGap(pg, repo, "main");

            // The repository unwritable: PostgreSQL keeps the segments, nothing is lost, archiving resumes.
            Path repoDir = repo.dir.resolve("repo");
            Proc.run(new OsUser("root", false), List.of("chmod", "-R", "a-w", repoDir.toString())).ok();
            try {
                burst(pg, 5);
                Thread.sleep(3000);
                assertTrue(ready(pg) >= 5, "the segments wait in pg_wal: " + ready(pg));
                try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                    assertTrue(Long.parseLong(value(st, "SELECT failed_count FROM pg_stat_archiver")) > 0);
                }
            } finally {
                Proc.run(new OsUser("root", false), List.of("chmod", "-R", "u+w", repoDir.toString())).ok();
            }
            awaitArchived(pg, 180);
            assertNoGap(pg, repo, "main");
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                insert(st, rows + 1, rows + 100);
                rows += 100;
                WalArchivingIT.waitArchived(st, value(st, "SELECT pg_walfile_name(pg_switch_wal())"), pg);
            }
            dist.run(pgUser, config, "verify").ok();
            String info = dist.run(pgUser, config, "info", "--output", "json").ok().stdout();
            assertTrue(info.contains("\"async\" : true") && info.contains("\"last_pushed\""), info);

            // The launcher answers for a segment the resident archiver pushed, without a JVM (with no
            // Java at all), but not for another file under the same name.
            List<String> names = new ArrayList<>(archived(repo, "main")).subList(0, 3);
            Path fake = pgUser.newDirectory("pgvault-fake");
            try {
                Path wal = fake.resolve("pg_wal");
                Files.createDirectories(wal.resolve("archive_status"));
                Proc.run(new OsUser("root", false), List.of("chown", "-R", pgUser.name(), fake.toString())).ok();
                for (String n : names) {
                    dist.run(pgUser, config, "archive-get", n, wal.resolve(n).toString()).ok();
                    Files.writeString(wal.resolve("archive_status/" + n + ".ready"), "");
                }
                Proc.run(new OsUser("root", false), List.of("chown", "-R", pgUser.name(), fake.toString())).ok();
                dist.run(pgUser, config, "archive-push", wal.resolve(names.get(0)).toString()).ok(); // through the JVM
                // pushed from this pg_wal: the record is a link to these very files (the segments'
                // first pushes, from the cluster's own pg_wal, left records of other inodes)
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                for (String n : names.subList(1, 3)) {
                    Path record = spoolOf(repo).resolve("push").resolve(n);
                    while (!(Files.exists(record) && Files.isSameFile(record, wal.resolve(n))) && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                }
                java.util.Map<String, String> noJava = java.util.Map.of("JAVA_HOME", "/nonexistent-java");
                for (String n : names.subList(1, 3)) {
                    Proc answered = dist.run(pgUser, noJava, config, "archive-push", wal.resolve(n).toString());
                    assertEquals(0, answered.exitCode(), n + " answered by the launcher: " + answered.stderr());
                }

                // An archiver of another spool layout (one left running across an upgrade): its records
                // are no answer for the launcher, and the JVM retires it and starts one of its own.
                Path protocol = spoolOf(repo).resolve("protocol");
                assertEquals(dev.pgvault.archiver.async.Spool.PROTOCOL, Files.readString(protocol).strip());
                Path pidFile = spoolOf(repo).resolve("daemon.pid");
                String before = Files.readString(pidFile).strip();
                Files.writeString(protocol, "0\n");
                Proc oldLayout = dist.run(pgUser, noJava, config, "archive-push", wal.resolve(names.get(1)).toString());
                assertTrue(oldLayout.exitCode() != 0, "answered from another version's records: " + oldLayout.stderr());
                dist.run(pgUser, config, "archive-push", wal.resolve(names.get(1)).toString()).ok();
                long retired = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!(Files.readString(protocol).strip().equals(dev.pgvault.archiver.async.Spool.PROTOCOL) && Files.exists(pidFile)
                        && !Files.readString(pidFile).strip().equals(before) && !ProcessHandle.of(Long.parseLong(before))
                                .map(ProcessHandle::isAlive).orElse(false))) {
                    assertTrue(System.nanoTime() < retired, "the old archiver " + before + " still runs, or no new one");
                    Thread.sleep(50);
                }
                Path other = wal.resolve(names.get(2));
                byte[] bytes = Files.readAllBytes(other);
                Files.delete(other);
                bytes[bytes.length - 1] ^= 1;
                Files.write(other, bytes);
                pgUser.own(other);
                Proc refused = dist.run(pgUser, noJava, config, "archive-push", other.toString());
                assertTrue(refused.exitCode() != 0, "another file under the name goes to the JVM: " + refused.stderr());
                assertEquals(7, dist.run(pgUser, config, "archive-push", other.toString()).exitCode(),
                        "and the JVM refuses different bytes under a stored name");

                // A "missing" mark the resident archiver left long ago (an earlier recovery, a standby
                // waiting for its primary) is no answer: the call asks the repository, or an archive
                // recovery would end early, short of what is archived.
                String archivedSince = names.get(2);
                Path mark = spoolOf(repo).resolve("get").resolve(archivedSince + ".missing");
                Files.writeString(mark, "");
                pgUser.own(mark);
                Files.setLastModifiedTime(mark, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(30)));
                Path fetched = fake.resolve("fetched");
                Proc got = dist.run(pgUser, config, "archive-get", archivedSince, fetched.toString());
                assertEquals(0, got.exitCode(), "a stale 'missing' mark answered the call: " + got.stderr());
                byte[] original = bytes.clone();
                original[original.length - 1] ^= 1; // the segment as archived, before the flip above
                assertArrayEquals(original, Files.readAllBytes(fetched));

                // The very file asked for is fetched by the resident archiver, and the launcher
                // answers with it or with "not in the archive", with no Java at all: a promotion's
                // and a standby's restore_command calls pay no JVM.
                Path answered = fake.resolve("answered");
                Proc present = dist.run(pgUser, noJava, config, "archive-get", names.get(1), answered.toString());
                assertEquals(0, present.exitCode(), "an archived segment, answered by the launcher: " + present.stderr());
                assertArrayEquals(Files.readAllBytes(wal.resolve(names.get(1))), Files.readAllBytes(answered));
                Proc absent = dist.run(pgUser, noJava, config, "archive-get", "0000007F.history", answered.toString());
                assertEquals(1, absent.exitCode(), "a file the repository lacks: " + absent.stderr());
                assertTrue(absent.stderr().contains("0000007F.history is not in the archive"), absent.stderr());
                Files.writeString(mark, "");
                pgUser.own(mark);
                Files.setLastModifiedTime(mark, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(30)));
                Files.deleteIfExists(fetched);
                Proc again = dist.run(pgUser, noJava, config, "archive-get", archivedSince, fetched.toString());
                assertEquals(0, again.exitCode(), "a stale 'missing' mark answered the launcher: " + again.stderr());
                assertArrayEquals(original, Files.readAllBytes(fetched));
            } finally {
                PgvaultDist.deleteTree(fake);
            }

            // Recovery through the spool: the whole archive replayed, the spool left small.
            assertRestore(dist, pgUser, config, rows);
            try (Stream<Path> left = Files.list(spoolOf(repo).resolve("get"))) {
                List<String> spooled = left.map(p -> p.getFileName().toString()).toList();
                assertTrue(spooled.size() <= 16 * 2 + 4, "the spool holds no more than the window: " + spooled);
            }
        }
    }

    @Test
    @Timeout(600)
    void onEncryptedS3EverySegmentComesBackByteIdentical() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.S3, true, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on", "wal_keep_size = 1GB")) {
            Path config = asyncConfig(repo, "main", pg, dist);
            pg.start();
            dist.run(pgUser, config, "init").ok();
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE noise (id bigint, body text)");
                st.execute("CREATE TABLE story (id int PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())");
                insert(st, 1, 300);
            }
            dist.run(pgUser, config, "backup").ok();
            burst(pg, 16);
            awaitArchived(pg, 180);
            assertNoGap(pg, repo, "main");
            Path fetched = pgUser.newDirectory("pgvault-fetched");
            try {
                List<String> names = new ArrayList<>(archived(repo, "main"));
                for (String name : names) {
                    Path local = pg.data.resolve("pg_wal").resolve(name);
                    if (Files.exists(local)) {
                        Path dest = fetched.resolve("RECOVERYXLOG");
                        dist.run(pgUser, config, "archive-get", name, dest.toString()).ok();
                        assertArrayEquals(Files.readAllBytes(local), Files.readAllBytes(dest), name);
                    }
                }
            } finally {
                PgvaultDist.deleteTree(fetched);
            }
            assertRestore(dist, pgUser, config, 300);
        }
    }

    @Test
    @Timeout(600)
    void twoStanzasOnOneHostKeepToTheirOwnSpools() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster a = PgCluster.create("archive_mode = on");
                PgCluster b = PgCluster.create("archive_mode = on")) {
            Path configA = asyncConfig(repo, "alpha", a, dist);
            Path configB = asyncConfig(repo, "beta", b, dist);
            a.start();
            b.start();
            dist.run(pgUser, configA, "init").ok();
            dist.run(pgUser, configB, "init").ok();
            for (PgCluster pg : List.of(a, b)) {
                try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                    st.execute("CREATE TABLE noise (id bigint, body text)");
                }
            }
            CompletableFuture<Void> one = burstAsync(a, 8);
            burst(b, 8);
            one.get(120, TimeUnit.SECONDS);
            awaitArchived(a, 120);
            awaitArchived(b, 120);
            assertNoGap(a, repo, "alpha");
            assertNoGap(b, repo, "beta");
            try (Stream<Path> spools = Files.list(repo.dir.resolve("spool"))) {
                assertEquals(2, spools.filter(Files::isDirectory).count(), "one spool per stanza");
            }
            dist.run(pgUser, configA, "verify").ok();
            dist.run(pgUser, configB, "verify").ok();
        }
    }
}
