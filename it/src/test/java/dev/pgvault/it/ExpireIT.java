package dev.pgvault.it;

import static dev.pgvault.it.PointInTimeRecoveryIT.assertRestore;
import static dev.pgvault.it.PointInTimeRecoveryIT.insert;
import static dev.pgvault.it.PointInTimeRecoveryIT.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgvault.storage.BlobInfo;
import dev.pgvault.storage.BlobStore;
import dev.pgvault.storage.BlobWriter;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Retention on PostgreSQL 15 with archive_command = pgvault, on the filesystem and on S3: what
 * expire removes and keeps (checked on the repository's own listing), that the backups and the
 * WAL it keeps still restore to the moments they promise, and that a killed backup's objects
 * go while a running one's stay, and an expire killed at any step leaves a repository that
 * verify passes and the next expire finishes.
 */
@Concurrent
class ExpireIT {
    private static final Pattern ID = Pattern.compile("\\d{8}-\\d{6}F");

    @BeforeAll
    static void needsPostgres() {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found in " + PgCluster.BIN);
    }

    private static String backup(PgvaultDist dist, OsUser user, Path config) {
        Proc b = dist.run(user, config, "backup").ok();
        return b.stdout().lines().filter(l -> ID.matcher(l).matches()).findFirst().orElseThrow(
                () -> new AssertionError("no backup id in: " + b.stdout()));
    }

    private static List<String> infoIds(PgvaultDist dist, OsUser user, Path config) {
        String json = dist.run(user, config, "info", "--output", "json").ok().stdout();
        return Pattern.compile("\"id\" : \"([^\"]+)\"").matcher(json).results().map(m -> m.group(1)).toList();
    }

    /** Every key in the repository with its stored size: what a dry run must not change. */
    private static TreeMap<String, Long> listing(TestRepo repo) throws Exception {
        TreeMap<String, Long> out = new TreeMap<>();
        try (BlobStore blobs = repo.blobs(); Stream<BlobInfo> all = blobs.list("")) {
            all.forEach(b -> out.put(b.key(), b.size()));
        }
        return out;
    }

    private static void switchAndWait(Statement st, PgCluster pg) throws Exception {
        WalArchivingIT.waitArchived(st, value(st, "SELECT pg_walfile_name(pg_switch_wal())"), pg);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestRepo.Kind.class)
    @Timeout(600)
    void expireKeepsWhatRetentionPromisesAndNothingElse(TestRepo.Kind kind) throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(kind, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on")) {
            // On S3, WAL through the resident archiver: S3 calls would each pay a JVM and an S3 client
            Path config = kind == TestRepo.Kind.S3 ? repo.asyncConfig("main", pg) : repo.config("main", pg);
            Files.writeString(pg.data.resolve("postgresql.auto.conf"), "archive_command = '" + dist.launcher()
                    + " --config " + config + " archive-push %p'\n", StandardOpenOption.APPEND);
            pg.start();
            dist.run(pgUser, config, "init").ok();

            // Five full backups with 100 rows more before each; moments between them.
            List<String> ids = new ArrayList<>();
            String afterSecond;
            String afterFourth;
            String afterSixHundred;
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE story (id int PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())");
                String[] moments = new String[5];
                for (int i = 0; i < 5; i++) {
                    insert(st, 100 * i + 1, 100 * i + 100);
                    ids.add(backup(dist, pgUser, config));
                    Thread.sleep(1100);
                    moments[i] = value(st, "SELECT now()::text");
                    Thread.sleep(1100);
                }
                afterSecond = moments[1];
                afterFourth = moments[3];
                insert(st, 501, 600);
                Thread.sleep(1100);
                afterSixHundred = value(st, "SELECT now()::text");
                Thread.sleep(1100);
                insert(st, 601, 700);
                switchAndWait(st, pg);
            }
            assertEquals(ids, infoIds(dist, pgUser, config));

            // A dry run names the three oldest and changes no object.
            TreeMap<String, Long> before = listing(repo);
            Proc dry = dist.run(pgUser, config, "expire", "--retention-full", "2", "--dry-run").ok();
            for (int i = 0; i < 5; i++) {
                assertEquals(i < 3, dry.stdout().contains("expired " + ids.get(i) + ": beyond retention full=2"),
                        ids.get(i) + " in:\n" + dry.stdout());
            }
            assertTrue(dry.stdout().contains("dry run, nothing removed: retention full=2; 3 expired, 2 kept;"), dry.stdout());
            assertEquals(before, listing(repo));

            // The oldest pinned; then expire: it and the newest two remain, the others' objects are gone.
            assertEquals("pinned backup " + ids.get(0) + ": no retention rule removes it\n",
                    dist.run(pgUser, config, "keep", ids.get(0)).ok().stdout());
            Proc expire = dist.run(pgUser, config, "expire", "--retention-full", "2").ok();
            System.out.println(kind + ": " + expire.stdout().strip().replace("\n", " | "));
            assertTrue(expire.stdout().contains("expired " + ids.get(1) + ": beyond retention full=2\n")
                    && expire.stdout().contains("expired " + ids.get(2) + ": beyond retention full=2\n"), expire.stdout());
            assertTrue(expire.stdout().contains("removed WAL of timeline 1: "), expire.stdout());
            assertEquals(List.of(ids.get(0), ids.get(3), ids.get(4)), infoIds(dist, pgUser, config));
            TreeMap<String, Long> after = listing(repo);
            for (String gone : ids.subList(1, 3)) {
                assertFalse(after.keySet().stream().anyMatch(k -> k.contains(gone)), gone + " left objects: " + after);
            }
            for (String kept : List.of(ids.get(0), ids.get(3), ids.get(4))) {
                assertTrue(after.containsKey("main/backup/" + kept + "/backup.manifest"), kept);
            }
            assertTrue(after.keySet().stream().filter(k -> k.startsWith("main/wal/")).count()
                    < before.keySet().stream().filter(k -> k.startsWith("main/wal/")).count());
            String info = dist.run(pgUser, config, "info", "--output", "json").ok().stdout();
            assertEquals(1, info.split("\"keep\" : true", -1).length - 1, info);

            Proc verify = dist.run(pgUser, config, "verify");
            assertEquals(0, verify.exitCode(), verify.stdout() + verify.stderr());
            assertTrue(verify.stdout().contains("info: backup " + ids.get(0) + " is pinned and restores to its end"),
                    verify.stdout());

            // Point-in-time recovery after the oldest retained full is exact; the pinned one restores to its end.
            assertRestore(dist, pgUser, config, 400, "--target-time", afterFourth);
            assertRestore(dist, pgUser, config, 600, "--target-time", afterSixHundred);
            assertRestore(dist, pgUser, config, 100, "--backup", ids.get(0));
            // Between the pinned backup and the oldest retained one: its WAL is gone, and restore says so.
            Path target = pgUser.newDirectory("pgvault-refused");
            try {
                Proc refused = dist.run(pgUser, config, "restore", "--pgdata", target.resolve("data").toString(),
                        "--target-time", afterSecond);
                assertEquals(1, refused.exitCode(), refused.stdout() + refused.stderr());
                assertTrue(refused.stderr().contains("backup " + ids.get(0) + " is pinned and restores only to its end")
                        && refused.stderr().contains("the end of backup " + ids.get(3)), refused.stderr());
                assertFalse(Files.exists(target.resolve("data/PG_VERSION")));
            } finally {
                PgvaultDist.deleteTree(target);
            }

            // The window rule, judged two days from now: only the newest (and the pinned) stay.
            Proc window = dist.run(pgUser, Map.of("PGVAULT_JAVA_OPTS", "-Dpgvault.clock-offset=P2D"), config, "expire",
                    "--retention-window", "1d", "--dry-run").ok();
            assertTrue(window.stdout().contains("expired " + ids.get(3) + ": beyond retention window=1d")
                    && !window.stdout().contains("expired " + ids.get(4)) && !window.stdout().contains("expired " + ids.get(0)),
                    window.stdout());

            // Releasing the pin lets retention take it.
            dist.run(pgUser, config, "keep", "--release", ids.get(0)).ok();
            Proc released = dist.run(pgUser, config, "expire", "--retention-full", "2").ok();
            assertTrue(released.stdout().contains("expired " + ids.get(0) + ": beyond retention full=2"), released.stdout());
            assertEquals(List.of(ids.get(3), ids.get(4)), infoIds(dist, pgUser, config));
            dist.run(pgUser, config, "verify").ok();
            assertRestore(dist, pgUser, config, 700);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestRepo.Kind.class)
    @Timeout(900)
    void killedBackupsGoRunningOnesStayAndAKilledExpireIsFinishedByTheNext(TestRepo.Kind kind) throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(kind, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on", "archive_timeout = 0")) {
            Path config = repo.config("main", pg);
            String archiveCommand = dist.launcher() + " --config " + config + " archive-push %p";
            Files.writeString(pg.data.resolve("postgresql.auto.conf"), "archive_command = '" + archiveCommand + "'\n",
                    StandardOpenOption.APPEND);
            pg.start();
            dist.run(pgUser, config, "init").ok();
            pg.client("pgbench", "-i", "-s", "1", "-q", "postgres").ok();
            List<String> ids = new ArrayList<>();
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE story (id int PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())");
                for (int i = 0; i < 4; i++) {
                    insert(st, 100 * i + 1, 100 * i + 100);
                    switchAndWait(st, pg);
                    ids.add(backup(dist, pgUser, config));
                }
            }

            // A backup killed half-way, then one left running (its WAL held back by a gate file).
            Path gate = repo.dir.resolve("archive-gate");
            Files.writeString(gate, "closed");
            String killedId;
            String runningId;
            Process running;
            try {
                BackupIT.setArchiveCommand(pg, "while [ -e " + gate + " ]; do sleep 0.1; done; " + archiveCommand);
                Process killed = BackupIT.start(pgUser, dist, config, "backup");
                killedId = BackupIT.awaitObjects(dist, pgUser, config, new HashSet<>(ids), killed);
                BackupIT.killHard(killed);
                Thread.sleep(1100); // a new id: the next second
                running = BackupIT.start(pgUser, dist, config, "backup");
                Set<String> known = new HashSet<>(ids);
                known.add(killedId);
                runningId = BackupIT.awaitObjects(dist, pgUser, config, known, running);
                Thread.sleep(1500);

                Proc expire = dist.run(pgUser, config, "expire", "--garbage-age", "1s").ok();
                assertTrue(expire.stdout().contains("removed incomplete backup " + killedId + " ("), expire.stdout());
                assertTrue(expire.stdout().contains("left incomplete backup " + runningId + ": it is running on this host"),
                        expire.stdout());
                TreeMap<String, Long> now = listing(repo);
                assertFalse(now.keySet().stream().anyMatch(k -> k.contains(killedId)), "the killed backup's objects are gone");
                assertTrue(now.keySet().stream().anyMatch(k -> k.contains(runningId)), "the running backup's stay");
                assertTrue(running.isAlive());
            } finally {
                Files.deleteIfExists(gate);
            }
            assertTrue(running.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, running.exitValue(), "the backup expire ran beside completed");
            BackupIT.setArchiveCommand(pg, archiveCommand);
            ids.add(runningId);
            assertEquals(ids, infoIds(dist, pgUser, config));
            dist.run(pgUser, config, "verify").ok();

            // Expire killed at its steps: what an uninterrupted expire leaves is the reference.
            Map<String, byte[]> snapshot = snapshot(repo);
            dist.run(pgUser, config, "expire", "--retention-full", "1").ok();
            TreeMap<String, Long> reference = listing(repo);
            assertEquals(List.of(runningId), infoIds(dist, pgUser, config));
            Random random = new Random(Long.getLong("pgvault.it.seed", System.nanoTime()));
            List<String> seen = new ArrayList<>();
            // 10 kill points on the filesystem; 3 on S3, where each pgvault call costs its S3 client's
            // start (the unit test ExpireTest stops an expire after every one of its deletions)
            int trials = kind == TestRepo.Kind.FS ? 10 : 3;
            for (int trial = 0; trial < trials; trial++) {
                restore(repo, snapshot, pgUser);
                int afterSteps = trial < 8 ? trial + 1 : 1 + random.nextInt(9);
                int extraMs = trial < 8 ? 0 : random.nextInt(40);
                killExpireAfter(dist, pgUser, config, afterSteps, extraMs);
                seen.add(afterSteps + "+" + extraMs + "ms: " + listing(repo).size() + " objects");
                Proc verify = dist.run(pgUser, config, "verify");
                assertEquals(0, verify.exitCode(), "after a kill at step " + afterSteps + ": " + verify.stdout() + verify.stderr());
                // The restored objects were written moments ago: this expire's clock runs 2 s ahead, so they are
                // past --garbage-age (1 s) as they would be after a wait
                Proc again = dist.run(pgUser, Map.of("PGVAULT_JAVA_OPTS", "-Dpgvault.clock-offset=PT2S"), config, "expire",
                        "--retention-full", "1", "--garbage-age", "1s").ok();
                assertEquals(reference, listing(repo), "after a kill at step " + afterSteps + ", the next expire: "
                        + again.stdout());
            }
            System.out.println(kind + ": expire killed at: " + seen);
            assertTrue(seen.stream().map(s -> s.substring(s.indexOf(": ") + 2)).distinct().count() >= Math.min(5, trials - 1),
                    "the kills landed at different points: " + seen);
        }
    }

    /**
     * Starts {@code --verbose expire --retention-full 1} and kills it with SIGKILL right after it
     * announced step {@code steps} (and {@code extraMs} more).
     */
    private static void killExpireAfter(PgvaultDist dist, OsUser user, Path config, int steps, int extraMs)
            throws Exception {
        List<String> cmd = List.of(dist.launcher().toString(), "--config", config.toString(), "--verbose", "expire",
                "--retention-full", "1");
        Process p = new ProcessBuilder(user.wrap(cmd)).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (InputStream err = p.getErrorStream();
                BufferedReader lines = new BufferedReader(new InputStreamReader(err, StandardCharsets.UTF_8))) {
            int n = 0;
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.startsWith("pgvault: expire: removing") && ++n == steps) {
                    if (extraMs > 0) {
                        Thread.sleep(extraMs);
                    }
                    break;
                }
            }
            BackupIT.killHard(p);
        }
    }

    private static Map<String, byte[]> snapshot(TestRepo repo) throws Exception {
        Map<String, byte[]> out = new TreeMap<>();
        try (BlobStore blobs = repo.blobs(); Stream<BlobInfo> all = blobs.list("")) {
            for (BlobInfo b : (Iterable<BlobInfo>) all::iterator) {
                try (InputStream in = blobs.get(b.key())) {
                    out.put(b.key(), in.readAllBytes());
                }
            }
        }
        return out;
    }

    /** Puts the repository back as {@code snapshot} held it, byte for byte, owned by {@code user}. */
    private static void restore(TestRepo repo, Map<String, byte[]> snapshot, OsUser user) throws Exception {
        try (BlobStore blobs = repo.blobs()) {
            List<String> extra;
            try (Stream<BlobInfo> all = blobs.list("")) {
                extra = all.map(BlobInfo::key).filter(k -> !snapshot.containsKey(k)).toList();
            }
            blobs.deleteAll(extra);
            for (Map.Entry<String, byte[]> e : snapshot.entrySet()) {
                if (blobs.stat(e.getKey()).isEmpty()) {
                    blobs.put(e.getKey(), BlobWriter.of(e.getValue()));
                }
            }
        }
        if (repo.kind == TestRepo.Kind.FS) {
            try (Stream<Path> all = Files.walk(repo.dir.resolve("repo"))) {
                for (Path p : (Iterable<Path>) all::iterator) {
                    user.own(p);
                }
            }
        }
    }
}
