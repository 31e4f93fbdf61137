package dev.pgvault.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgvault.storage.trials.Trials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Seeded kill points (issue 10): {@code backup}, {@code archive-push}, {@code archive-get},
 * {@code restore}, {@code restore --delta} (over a restored copy with a file changed), {@code
 * expire} and {@code replica create}, each started through the launcher against a real cluster
 * and repository and killed with SIGKILL after a random delay (before, during or after its work).
 * Afterwards what a user checks: {@code verify} passes (warnings allowed: a killed backup is an
 * incomplete one), a segment is in the repository whole or not at all, a fetched file is whole or
 * absent, a restored directory is startable only if the restore finished (no {@code
 * global/pg_control} before the end), and the same command run again succeeds. {@code
 * -Dpgvault.trials.kill=N} (default 5 per repository kind; the S3 repository is encrypted), {@code
 * -Dpgvault.trials.seed=S}; full
 * count: {@code cd it && mvn -B -o verify -Dit.test=KillPointsIT -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dpgvault.trials.kill=100}.
 */
@Concurrent
class KillPointsIT {
    enum Op { BACKUP, ARCHIVE_PUSH, ARCHIVE_GET, RESTORE, EXPIRE, REPLICA_CREATE, RESTORE_DELTA }

    /** Roughly how long each takes here, so that the kill falls anywhere in it. */
    private static final Map<Op, Integer> SPAN_MS = Map.of(Op.BACKUP, 5000, Op.ARCHIVE_PUSH, 900, Op.ARCHIVE_GET, 900,
            Op.RESTORE, 3000, Op.EXPIRE, 1500, Op.REPLICA_CREATE, 3500, Op.RESTORE_DELTA, 3000);

    @BeforeAll
    static void needsPostgres() {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found in " + PgCluster.BIN);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestRepo.Kind.class)
    @Timeout(1800)
    void afterAKillNothingIsHalfWrittenAndTheNextRunSucceeds(TestRepo.Kind kind) throws Exception {
        Trials trials = Trials.of("kill points (" + kind + ")", "pgvault.trials.kill", 5);
        Random random = trials.random();
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        Path scratch = pgUser.newDirectory("pgvault-kill");
        try (TestRepo repo = TestRepo.create(kind, kind == TestRepo.Kind.S3, pgUser); // S3 encrypted, fs plain
                PgCluster pg = PgCluster.create("archive_mode = on", "archive_timeout = 0")) {
            Path config = repo.config("main", pg);
            Path fetchConfig = repo.config("fetched", pg); // one that expire never touches, for archive-get
            Files.writeString(pg.data.resolve("postgresql.auto.conf"), "archive_command = '" + dist.launcher()
                    + " --config " + config + " archive-push %p'\n", StandardOpenOption.APPEND);
            pg.start();
            dist.run(pgUser, config, "init").ok();
            dist.run(pgUser, fetchConfig, "init").ok();
            pg.client("pgbench", "-i", "-s", "5", "-q", "postgres").ok();
            dist.run(pgUser, config, "backup").ok();
            List<Path> segments = archivedSegments(pg, scratch, pgUser);
            for (Path segment : segments) {
                dist.run(pgUser, fetchConfig, "archive-push", segment.toString()).ok();
            }
            Map<Op, int[]> tally = new EnumMap<>(Op.class);
            for (int trial = 0; trial < trials.count(); trial++) {
                Op op = Op.values()[random.nextInt(Op.values().length)];
                int delay = random.nextInt(SPAN_MS.get(op));
                String what = trials.trial(trial) + " " + op + " killed after " + delay + " ms";
                System.out.println(kind + ": " + what);
                Path segment = segments.get(random.nextInt(segments.size()));
                String name = segment.getFileName().toString();
                Path dir = Files.createDirectory(scratch.resolve("t" + trial));
                pgUser.own(dir);
                Path dest = dir.resolve("fetched");
                Path pgdata = dir.resolve("data");
                List<String> args = switch (op) {
                    case BACKUP -> List.of("backup");
                    case ARCHIVE_PUSH -> List.of("archive-push", segment.toString());
                    case ARCHIVE_GET -> List.of("archive-get", name, dest.toString());
                    case RESTORE -> List.of("restore", "--pgdata", pgdata.toString());
                    case EXPIRE -> List.of("expire", "--retention-full", "1");
                    case RESTORE_DELTA -> List.of("restore", "--delta", "--pgdata", pgdata.toString());
                    case REPLICA_CREATE -> List.of("replica", "create", "--pgdata", pgdata.toString(),
                            "--primary-conninfo", conninfo(pg));
                };
                // each push into a stanza of its own, where the segment is new: never the "already stored" path
                Path pushConfig = repo.config("pushed" + trial, pg);
                if (op == Op.ARCHIVE_PUSH) {
                    dist.run(pgUser, pushConfig, "init").ok();
                }
                Path opConfig = switch (op) {
                    case ARCHIVE_PUSH -> pushConfig;
                    case ARCHIVE_GET -> fetchConfig;
                    default -> config;
                };
                if (op == Op.RESTORE_DELTA) { // a copy to repair: restored, then one file changed and one added
                    dist.run(pgUser, config, "restore", "--pgdata", pgdata.toString()).ok();
                    Files.writeString(pgdata.resolve("PG_VERSION"), "14\n");
                    Files.writeString(pgdata.resolve("base/extra"), "not in the backup");
                }
                Process p = BackupIT.start(pgUser, dist, opConfig, args.toArray(String[]::new));
                boolean finished = p.waitFor(delay, TimeUnit.MILLISECONDS) && p.exitValue() == 0;
                BackupIT.killHard(p);

                Proc verify = dist.run(pgUser, opConfig, "verify");
                assertEquals(0, verify.exitCode(), what + ": verify " + verify.stdout() + verify.stderr());
                switch (op) {
                    case ARCHIVE_PUSH -> {
                        Proc got = dist.run(pgUser, pushConfig, "archive-get", name, dest.toString());
                        assertTrue(got.exitCode() == 1 || got.exitCode() == 0, what + ": " + got.stderr());
                        if (got.exitCode() == 0) {
                            assertArrayEquals(Files.readAllBytes(segment), Files.readAllBytes(dest), what + ": stored whole");
                        }
                        dist.run(pgUser, pushConfig, "archive-push", segment.toString()).ok();
                    }
                    case ARCHIVE_GET -> {
                        if (Files.exists(dest)) {
                            assertArrayEquals(Files.readAllBytes(segment), Files.readAllBytes(dest), what + ": fetched whole");
                        }
                        Path again = dir.resolve("again");
                        dist.run(pgUser, fetchConfig, "archive-get", name, again.toString()).ok();
                        assertArrayEquals(Files.readAllBytes(segment), Files.readAllBytes(again), what);
                    }
                    case RESTORE -> {
                        boolean startable = Files.exists(pgdata.resolve("global/pg_control"));
                        boolean signalled = Files.exists(pgdata.resolve("recovery.signal"));
                        assertEquals(startable, signalled, what + ": pg_control only with the signal file, written last");
                        assertTrue(!finished || signalled, what + ": a restore that ended well left a startable directory");
                        if (Files.exists(pgdata) && !isEmpty(pgdata)) {
                            Proc refused = dist.run(pgUser, config, "restore", "--pgdata", pgdata.toString());
                            assertEquals(2, refused.exitCode(), what + ": a non-empty directory is refused: " + refused.stderr());
                        }
                        dist.run(pgUser, config, "restore", "--pgdata", dir.resolve("data2").toString()).ok();
                    }
                    case RESTORE_DELTA -> {
                        boolean startable = Files.exists(pgdata.resolve("global/pg_control"));
                        boolean signalled = Files.exists(pgdata.resolve("recovery.signal"));
                        // a delta removes pg_control first, then the signal file: a signal alone cannot start
                        assertTrue(!startable || signalled, what + ": pg_control only with the signal file, written last");
                        assertTrue(!finished || signalled, what + ": a delta restore that ended well left a startable directory");
                        dist.run(pgUser, config, "restore", "--delta", "--pgdata", pgdata.toString()).ok();
                        assertEquals("15\n", Files.readString(pgdata.resolve("PG_VERSION")), what + ": repaired");
                        assertTrue(!Files.exists(pgdata.resolve("base/extra")), what + ": what the backup lacks is gone");
                        assertTrue(Files.exists(pgdata.resolve("recovery.signal")), what + ": startable once finished");
                    }
                    case REPLICA_CREATE -> {
                        boolean startable = Files.exists(pgdata.resolve("global/pg_control"));
                        boolean signalled = Files.exists(pgdata.resolve("standby.signal"));
                        assertEquals(startable, signalled, what + ": pg_control only with the signal file, written last");
                        assertTrue(!finished || signalled, what + ": a replica create that ended well left a standby");
                        if (Files.exists(pgdata) && !isEmpty(pgdata)) {
                            Proc refused = dist.run(pgUser, config, "replica", "create", "--pgdata", pgdata.toString(),
                                    "--primary-conninfo", conninfo(pg));
                            assertEquals(2, refused.exitCode(), what + ": a non-empty directory is refused: " + refused.stderr());
                        }
                        Path again = dir.resolve("data2");
                        dist.run(pgUser, config, "replica", "create", "--pgdata", again.toString(), "--primary-conninfo",
                                conninfo(pg)).ok();
                        assertTrue(Files.exists(again.resolve("standby.signal")), what + ": the second one is a standby");
                        assertTrue(Files.readString(again.resolve("postgresql.auto.conf")).contains("primary_conninfo"),
                                what + ": it names its primary");
                    }
                    case BACKUP, EXPIRE -> dist.run(pgUser, config, args.toArray(String[]::new)).ok();
                }
                dist.run(pgUser, opConfig, "verify").ok();
                if (op == Op.EXPIRE) {
                    dist.run(pgUser, config, "backup").ok(); // restores need a backup, expire something to remove
                }
                PgvaultDist.deleteTree(dir);
                tally.computeIfAbsent(op, o -> new int[1])[0]++;
            }
            System.out.println(kind + ": kill points by command: " + tally.entrySet().stream()
                    .map(e -> e.getKey() + " " + e.getValue()[0]).toList());
        } finally {
            PgvaultDist.deleteTree(scratch);
        }
    }

    /** Copies of segments PostgreSQL has archived, owned by its user: what archive-push and archive-get are tried on. */
    private static List<Path> archivedSegments(PgCluster pg, Path scratch, OsUser user) throws Exception {
        Path status = pg.data.resolve("pg_wal/archive_status");
        List<Path> copies = new ArrayList<>();
        Path dir = Files.createDirectory(scratch.resolve("segments"));
        try (Stream<Path> done = Files.list(status)) {
            for (Path d : done.filter(f -> f.getFileName().toString().matches("[0-9A-F]{24}\\.done")).sorted().toList()) {
                String name = d.getFileName().toString().replace(".done", "");
                Path wal = pg.data.resolve("pg_wal/" + name);
                try {
                    copies.add(Files.copy(wal, dir.resolve(name)));
                } catch (java.nio.file.NoSuchFileException recycled) {
                    // PostgreSQL renamed it for reuse meanwhile
                }
            }
        }
        user.own(dir);
        for (Path c : copies) {
            user.own(c);
        }
        assertTrue(copies.size() >= 2, "archived segments still in pg_wal: " + copies);
        return copies;
    }

    private static String conninfo(PgCluster pg) {
        return "host=127.0.0.1 port=" + pg.port + " user=postgres";
    }

    private static boolean isEmpty(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
