package dev.pgvault.it;

import static dev.pgvault.it.PointInTimeRecoveryIT.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.WalArchive;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code pgvault wal-receive} on real PostgreSQL 15: the host is lost while a writer commits a
 * row every 20 ms, and a restore from the repository alone brings back every row (synchronous)
 * or all but the last seconds' (asynchronous). The receiver killed and restarted leaves no gap,
 * and its slot never runs ahead of the repository.
 */
class WalReceiveIT {

    @BeforeAll
    static void needsPostgres() {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found in " + PgCluster.BIN);
    }

    /**
     * Over TLS too (the server with {@code ssl = on}; pgjdbc's default sslmode prefers it): there
     * the socket's byte count misses bytes still encrypted, and the receiver reads differently.
     */
    static Stream<Arguments> modes() {
        return Stream.of(Arguments.of(TestRepo.Kind.FS, false, false), Arguments.of(TestRepo.Kind.FS, true, false),
                Arguments.of(TestRepo.Kind.S3, false, false), Arguments.of(TestRepo.Kind.S3, true, false),
                Arguments.of(TestRepo.Kind.FS, false, true), Arguments.of(TestRepo.Kind.FS, true, true));
    }

    @ParameterizedTest(name = "{0}, synchronous {1}, TLS {2}")
    @MethodSource("modes")
    @Timeout(300)
    void aLostHostLosesNoAcknowledgedCommitBeyondTheBar(TestRepo.Kind kind, boolean synchronous, boolean tls)
            throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(kind, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on", "ssl = " + (tls ? "on" : "off"))) {
            Path config = archiving(dist, repo, pg);
            if (tls) {
                // server.crt and server.key in the data directory: PostgreSQL's default names
                dev.pgvault.ha.tls.ApiTls cert = dev.pgvault.ha.tls.TestCertificates.make(pg.data, "server");
                pgUser.own(cert.certFile());
                pgUser.own(cert.keyFile());
            }
            pg.start();
            dist.run(pgUser, config, "init").ok();
            dist.run(pgUser, config, "backup").ok();
            List<String> args = new ArrayList<>(List.of("--slot", "vault", "--create-slot"));
            if (synchronous) {
                args.add("--synchronous");
            }
            try (Receiver receiver = Receiver.start(dist, pgUser, config, pg.base.resolve("receiver.log"), args)) {
                List<Long> ackedAt = new ArrayList<>();
                long killedAt;
                Lsn lastInsert = null;
                try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                    awaitStreaming(st, receiver, "pgvault");
                    assertEquals(tls ? "t" : "f", value(st, "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_replication r"
                            + " USING (pid) WHERE r.application_name = 'pgvault'"), "the receiver's connection is TLS: " + tls);
                    if (synchronous) {
                        st.execute("ALTER SYSTEM SET synchronous_standby_names = 'pgvault'");
                        st.execute("SELECT pg_reload_conf()");
                        awaitSync(st, receiver);
                    }
                    st.execute("CREATE TABLE beats (id int PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())");
                    // 10 s and a random part of a second: the loss must not land in step with the
                    // receiver's once-a-second store (a 10.0 s run always ended just after one).
                    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(
                            10_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(1000));
                    int id = 0;
                    while (System.nanoTime() < end) {
                        id++;
                        // where the WAL was before this row's commit record: the commit ends past it
                        lastInsert = Lsn.parse(value(st, "INSERT INTO beats (id) VALUES (" + id + ")"
                                + " RETURNING pg_current_wal_insert_lsn()::text"));
                        ackedAt.add(System.nanoTime());
                        Thread.sleep(20);
                    }
                    // The host is lost: PostgreSQL and the receiver with it, at the same moment.
                    killedAt = System.nanoTime();
                    receiver.kill();
                    killPostmaster(pg);
                }
                PgvaultDist.deleteTree(pg.data);
                if (synchronous) {
                    // info's window reaches the last acknowledged commit, in the segment still streaming
                    String json = dist.run(pgUser, config, "info", "--output", "json").ok().stdout();
                    String latest = json.substring(json.indexOf("\"latest\" : {"));
                    latest = latest.substring(0, latest.indexOf('}'));
                    assertTrue(latest.contains("\"streamed\" : true"), json);
                    String lsn = latest.substring(latest.indexOf("\"lsn\" : \"") + 9);
                    Lsn reach = Lsn.parse(lsn.substring(0, lsn.indexOf('"')));
                    assertTrue(reach.compareTo(lastInsert) > 0, "info's recoverable end " + reach
                            + " is past the last acknowledged row's insert at " + lastInsert + ": " + json);
                    assertTrue(dist.run(pgUser, config, "info").ok().stdout().contains(", streamed into "));
                }

                int acked = ackedAt.size();
                int present = restoredRows(dist, pgUser, config);
                int missing = Math.max(0, acked - present);
                double lastPresentBeforeKill = present == 0 ? Double.NaN
                        : (killedAt - ackedAt.get(Math.min(present, acked) - 1)) / 1e9;
                System.out.printf("wal-receive %s %s%s: %d of %d acknowledged rows missing after the host was lost;"
                        + " the newest restored row was acknowledged %.2f s before the kill%n", kind,
                        synchronous ? "synchronous" : "asynchronous", tls ? " over TLS" : "", missing, acked,
                        lastPresentBeforeKill);
                if (synchronous) {
                    assertEquals(0, missing, "synchronous: every acknowledged commit is in the repository; receiver log:\n"
                            + receiver.log());
                } else if (missing > 0) {
                    double oldestMissing = (killedAt - ackedAt.get(present)) / 1e9;
                    assertTrue(oldestMissing <= 2.0, "rows acknowledged " + oldestMissing
                            + " s before the host was lost are missing (the bar: 2 s); receiver log:\n" + receiver.log());
                }
            }
        }
    }

    /**
     * Synchronous, with an S3 repository that stops answering (a relay in front of it cut: the
     * store hangs, neither failing nor finishing, as the S3 client's timeouts and the server's
     * wal_sender_timeout would let it for a minute or more): within archive.stream-sync-timeout
     * the receiver drops its connection, so the server stops counting it (an HA agent then stops
     * waiting for it). The commit it held stays unacknowledged, as synchronous_standby_names
     * says; healed, the receiver stores what it held, streams again, and the commit goes through.
     */
    @Test
    @Timeout(300)
    void aStoreThatHangsMakesTheSynchronousReceiverDropItsConnection() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.S3, false, pgUser);
                TcpRelay relay = TcpRelay.start("127.0.0.1", TestRepo.s3().port());
                PgCluster pg = PgCluster.create()) {
            Path config = repo.config("main", pg);
            String direct = Files.readString(config);
            String endpoint = "endpoint: " + TestRepo.s3().uri();
            assertTrue(direct.contains(endpoint), direct);
            Path relayed = repo.dir.resolve("relayed.yaml");
            Files.writeString(relayed, direct.replace(endpoint, "endpoint: " + relay.url())
                    + "archive:\n  stream-sync-timeout: 3\n");
            pgUser.own(relayed);
            pg.start();
            dist.run(pgUser, config, "init").ok();
            try (Receiver receiver = Receiver.start(dist, pgUser, relayed, pg.base.resolve("receiver.log"),
                    List.of("--synchronous"));
                    Connection c = pg.connect(); Statement st = c.createStatement()) {
                awaitStreaming(st, receiver, "pgvault");
                st.execute("ALTER SYSTEM SET synchronous_standby_names = 'pgvault'");
                st.execute("SELECT pg_reload_conf()");
                awaitSync(st, receiver);
                st.execute("CREATE TABLE beats (id int PRIMARY KEY)");
                st.execute("INSERT INTO beats VALUES (1)");

                relay.cut();
                long cutAt = System.nanoTime();
                java.util.concurrent.CompletableFuture<Void> held = java.util.concurrent.CompletableFuture.runAsync(() -> {
                    try (Connection w = pg.connect(); Statement ws = w.createStatement()) {
                        ws.execute("INSERT INTO beats VALUES (2)");
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
                long deadline = cutAt + TimeUnit.SECONDS.toNanos(20);
                while (!"0".equals(value(st, "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'pgvault'"))) {
                    assertTrue(System.nanoTime() < deadline, "the receiver held by a hung store is still connected 20 s"
                            + " after the repository stopped answering (stream-sync-timeout 3 s); its log:\n" + receiver.log());
                    Thread.sleep(100);
                }
                double dropped = (System.nanoTime() - cutAt) / 1e9;
                System.out.printf("wal-receive: the synchronous receiver dropped its connection %.1f s after its"
                        + " repository stopped answering%n", dropped);
                assertTrue(receiver.log().contains("(archive.stream-sync-timeout): dropping the connection"), receiver.log());
                assertTrue(receiver.alive(), receiver.log());
                assertFalse(held.isDone(), "a commit was acknowledged while the repository did not have it");

                relay.heal();
                held.get(120, TimeUnit.SECONDS); // stored, reported flushed after the reconnection
                awaitSync(st, receiver);
                assertEquals("2", value(st, "SELECT count(*) FROM beats"));
            }
        }
    }

    /**
     * The receiver alone (archiving off) killed -9 in the middle of a write load and started
     * again, the primary restarted under it: every segment of the run is in the repository, and
     * the slot never passes what the repository holds. Then archiving is turned on beside it:
     * archive-push and the receiver store the same segments, whichever comes first, without a
     * conflict.
     */
    @Test
    @Timeout(300)
    void aKilledReceiverResumesWithoutAGapAndItsSlotNeverPassesTheRepository() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser); PgCluster pg = PgCluster.create()) {
            Path config = repo.config("main", pg);
            pg.start();
            dist.run(pgUser, config, "init").ok();
            Path log = pg.base.resolve("receiver.log");
            List<String> args = List.of("--slot", "vault", "--create-slot");
            String first;
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                first = value(st, "SELECT pg_walfile_name(pg_current_wal_lsn())");
                try (Receiver receiver = Receiver.start(dist, pgUser, config, log, args)) {
                    awaitStreaming(st, receiver, "pgvault");
                    pg.client("pgbench", "-i", "-s", "3", "-q", "postgres").ok();
                    // a receiver starved of CPU may not have stored anything yet (its slot then still
                    // where it was made, nothing to compare): killed once it has stored some WAL
                    long deadline = System.currentTimeMillis() + 60_000;
                    while (!Files.exists(walFile(repo, first)) && !Files.exists(walFile(repo, first + ".stream"))) {
                        assertTrue(System.currentTimeMillis() < deadline, "the receiver stored nothing of " + first
                                + " within 60 s; its log:\n" + receiver.log());
                        Thread.sleep(50);
                    }
                    receiver.kill();
                }
                assertSlotWithinRepository(repo, slotRestart(st));
                pg.client("pgbench", "-i", "-s", "2", "-q", "postgres").ok(); // kept for it by the slot
            }
            try (Receiver receiver = Receiver.start(dist, pgUser, config, log, args)) {
                pg.stop();
                pg.start();
                try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                    awaitStreaming(st, receiver, "pgvault");
                    st.execute("CREATE TABLE after_restart AS SELECT g FROM generate_series(1, 100000) g");
                    String last = value(st, "SELECT pg_walfile_name(pg_switch_wal())");
                    awaitStored(repo, last, receiver);
                    assertSlotWithinRepository(repo, slotRestart(st));
                    for (String segment : segments(first, last)) {
                        assertTrue(Files.exists(walFile(repo, segment)), segment + " is in the repository; receiver log:\n"
                                + receiver.log());
                    }
                    archiving(dist, repo, pg);
                    st.execute("ALTER SYSTEM SET archive_mode = on");
                }
                pg.stop();
                pg.start();
                try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                    awaitStreaming(st, receiver, "pgvault");
                    pg.client("pgbench", "-i", "-s", "2", "-q", "postgres").ok();
                    String last = value(st, "SELECT pg_walfile_name(pg_switch_wal())");
                    WalArchivingIT.waitArchived(st, last, pg);
                    awaitStored(repo, last, receiver);
                    assertEquals("0", value(st, "SELECT failed_count::text FROM pg_stat_archiver"),
                            "archive-push never met a segment the receiver stored with other bytes; server log:\n"
                                    + pg.serverLog());
                    assertFalse(receiver.log().contains("different content"), receiver.log());
                    assertTrue(receiver.alive(), receiver.log());
                    // Its status, stored every 10 s and when it connects: info and metrics show it.
                    long deadline = System.currentTimeMillis() + 30_000;
                    String info;
                    while (!(info = dist.run(pgUser, config, "info", "--output", "json").ok().stdout())
                            .contains("\"connected\" : true")) {
                        assertTrue(System.currentTimeMillis() < deadline, info);
                        Thread.sleep(500);
                    }
                    assertTrue(info.contains("\"receiver\" : {") && info.contains("\"name\" : \"pgvault\""), info);
                    String metrics = dist.run(pgUser, config, "metrics").ok().stdout();
                    assertTrue(metrics.contains("pgvault_wal_receive_lag_bytes{stanza=\"main\",name=\"pgvault\"} "), metrics);
                    assertTrue(metrics.contains("pgvault_wal_receive_connected{stanza=\"main\",name=\"pgvault\"} 1"), metrics);
                }
            }
        }
    }

    /**
     * A standby is promoted while the old primary is gone; the receiver, pointed at the new
     * primary by a second configuration, streams the new timeline from the segment holding the
     * switch point. A restore from the repository alone then has the rows of both timelines,
     * the last ones from streamed objects of timeline 2.
     */
    @Test
    @Timeout(300)
    void theReceiverFollowsAPromotionOntoTheNewTimeline() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on")) {
            Path config = archiving(dist, repo, pg);
            pg.start();
            dist.run(pgUser, config, "init").ok();
            dist.run(pgUser, config, "backup").ok();
            Path standby = pg.base.resolve("standby");
            int standbyPort = PgCluster.freePort();
            pg.client("pg_basebackup", "-D", standby.toString(), "-R", "-X", "stream", "-c", "fast").ok();
            Path standbyConfig = repo.dir.resolve("standby.yaml");
            Files.writeString(standbyConfig, Files.readString(config).replace("port: " + pg.port, "port: " + standbyPort));
            pgUser.own(standbyConfig);
            // as replica create and the HA agent set it: the standby also reads the repository,
            // which will have less of timeline 1 than the standby received
            Files.writeString(standby.resolve("postgresql.auto.conf"), "port = " + standbyPort + "\nrestore_command = '"
                    + dist.launcher() + " --config " + standbyConfig + " archive-get %f %p'\n", StandardOpenOption.APPEND);
            Proc.run(pgUser, List.of(PgCluster.BIN.resolve("pg_ctl").toString(), "-D", standby.toString(), "-l",
                    pg.base.resolve("standby.log").toString(), "-w", "-t", "60", "start")).ok();
            Path log = pg.base.resolve("receiver.log");
            try {
                try (Receiver receiver = Receiver.start(dist, pgUser, config, log, List.of());
                        Connection c = pg.connect(); Statement st = c.createStatement()) {
                    awaitStreaming(st, receiver, "pgvault");
                    st.execute("CREATE TABLE beats (id int PRIMARY KEY)");
                    st.execute("INSERT INTO beats SELECT generate_series(1, 50)");
                    awaitFlushed(st, receiver, "pgvault"); // stored as the segment's .stream
                    receiver.kill(); // the last rows of timeline 1 not stored: the next receiver streams them
                    st.execute("INSERT INTO beats SELECT generate_series(51, 100)");
                    String end = value(st, "SELECT pg_current_wal_lsn()::text");
                    try (Connection sc = RestoredCopy.connect(standbyPort); Statement ss = sc.createStatement()) {
                        long deadline = System.currentTimeMillis() + 30_000;
                        while (!"t".equals(value(ss, "SELECT (pg_last_wal_receive_lsn() >= '" + end + "')::text")
                                .substring(0, 1))) {
                            assertTrue(System.currentTimeMillis() < deadline, "the standby did not receive up to " + end);
                            Thread.sleep(100);
                        }
                    }
                }
                // lost, not shut down (a clean shutdown would end the segment): the standby's copy of
                // the segment holds rows the repository's .stream of it lacks
                Proc.run(pgUser, List.of(PgCluster.BIN.resolve("pg_ctl").toString(), "-D", pg.data.toString(), "-m",
                        "immediate", "-w", "stop")).ok();
                try (Receiver receiver = Receiver.start(dist, pgUser, standbyConfig, log, List.of());
                        Connection c = RestoredCopy.connect(standbyPort); Statement st = c.createStatement()) {
                    // Pointed at a standby it streams nothing (its WAL would lag the primary's), and waits.
                    awaitLog(receiver, "is a standby: wal-receive streams from the primary");
                    Proc.run(pgUser, List.of(PgCluster.BIN.resolve("pg_ctl").toString(), "-D", standby.toString(), "-w",
                            "promote")).ok();
                    RestoredCopy.awaitPromoted(st);
                    // every row it had received, though the repository's stream of timeline 1 stops short:
                    // archive-get left the standby its own copy of the segment
                    assertEquals("100", value(st, "SELECT count(*) FROM beats"));
                    String standbyLog = Files.readString(pg.base.resolve("standby.log"));
                    assertTrue(standbyLog.contains("is only streamed in the archive, and pg_wal's copy already holds"
                            + " all of it"), standbyLog);
                    st.execute("INSERT INTO beats SELECT generate_series(101, 200)");
                    awaitStreaming(st, receiver, "pgvault");
                    awaitFlushed(st, receiver, "pgvault");
                    assertTrue(receiver.log().contains("streaming timeline 2 from"), receiver.log());
                    // One process crossed the switch: timeline 1 to its end, then timeline 2.
                    assertTrue(receiver.log().contains("timeline 1 ended at"), receiver.log());
                    receiver.kill();
                }
                Proc.run(pgUser, List.of(PgCluster.BIN.resolve("pg_ctl").toString(), "-D", standby.toString(), "-m",
                        "immediate", "-w", "stop"));
                assertTrue(Files.exists(repo.dir.resolve("repo/main/wal/00000002.history")), "the new timeline's history is stored");
                try (Stream<Path> tli2 = Files.list(repo.dir.resolve("repo/main/wal/0000000200000000"))) {
                    List<String> names = tli2.map(p -> p.getFileName().toString()).toList();
                    // .stream objects, or the .stream.<offset> parts stored between them
                    assertTrue(names.stream().anyMatch(n -> n.contains(".stream")), "timeline 2 was streamed: " + names);
                    assertTrue(names.stream().allMatch(n -> n.contains(".stream")), "and only streamed: " + names);
                }
                // The standby's own archiving completed no timeline-2 segment: what a restore has of
                // timeline 2 was streamed.
                assertEquals(200, restoredRows(dist, pgUser, config));
            } finally {
                Proc.run(pgUser, List.of(PgCluster.BIN.resolve("pg_ctl").toString(), "-D", standby.toString(), "-m",
                        "immediate", "-w", "stop"));
            }
        }
    }

    /**
     * Without a slot, WAL the receiver had not got when it stopped may be recycled meanwhile: it
     * says so, resumes at the server's current segment, and streams. The flush position it reports
     * stays where its WAL ended while the repository lacks the skipped segments (a synchronous
     * commit in them would be released with its WAL in no repository), and follows the repository
     * again once they are stored, as archive_command would store them. A receiver started again
     * (after a kill) takes the hold up from the repository: beginning after the newest WAL there,
     * it would otherwise know nothing of the hole below.
     */
    @Test
    @Timeout(300)
    void withoutASlotRecycledWalIsSaidSkippedAndHeldAcrossARestartUntilTheRepositoryHasIt() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        Path kept = pgUser.newDirectory("pgvault-archived-elsewhere");
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = archivingElsewhere(kept)) {
            Path config = repo.config("main", pg);
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                Hole hole = skipWal(dist, pgUser, repo, pg, config, kept, st);
                try (Receiver receiver = Receiver.start(dist, pgUser, config, pg.base.resolve("receiver-2.log"), List.of())) {
                    String held = awaitHeld(repo, st, receiver, hole);
                    receiver.kill();
                    try (Receiver again = Receiver.start(dist, pgUser, config, pg.base.resolve("receiver-3.log"), List.of())) {
                        awaitLog(again, "may be missing from the repository: until it holds it, or a backup is taken"
                                + " after it, the flush position reported stays at " + held);
                        awaitStreaming(st, again, "pgvault");
                        st.execute("CREATE TABLE after_restart AS SELECT 1 AS one");
                        String next = value(st, "SELECT pg_walfile_name(pg_current_wal_lsn())");
                        st.execute("SELECT pg_switch_wal()");
                        awaitStored(repo, next, again);
                        Thread.sleep(1_000);
                        assertEquals(held, flushReported(st), "a receiver started again reported past the hole while "
                                + hole.skipped() + " are missing from the repository; its log:\n" + again.log());
                        // archive_command's part: the skipped segments stored; the reports follow the repository.
                        for (String name : hole.skipped()) {
                            dist.run(pgUser, config, "archive-push", kept.resolve(name).toString()).ok();
                        }
                        awaitFlushed(st, again, "pgvault");
                        awaitLog(again, "the repository now holds the WAL skipped from " + held);
                        assertFalse(Files.exists(skippedRecord(repo, held)), "the hold's record stays after the hole was filled");
                    }
                }
            }
        } finally {
            PgvaultDist.deleteTree(kept);
        }
    }

    /**
     * WAL skipped that nothing will ever store (archive_command kept it elsewhere, then lost it)
     * holds a synchronous receiver's reports, and so the primary's commits, until a backup is
     * taken after it: a restore from that backup needs none of the hole, so the commits the
     * receiver then acknowledges can be restored.
     */
    @Test
    @Timeout(300)
    void aHoleNothingFillsHoldsCommitsUntilABackupIsTakenAfterIt() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        Path kept = pgUser.newDirectory("pgvault-archived-elsewhere");
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = archivingElsewhere(kept)) {
            Path config = repo.config("main", pg);
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                Hole hole = skipWal(dist, pgUser, repo, pg, config, kept, st);
                st.execute("ALTER SYSTEM SET synchronous_standby_names = 'pgvault'");
                st.execute("SELECT pg_reload_conf()");
                try (Receiver receiver = Receiver.start(dist, pgUser, config, pg.base.resolve("receiver-2.log"),
                        List.of("--synchronous"));
                        Connection w = pg.connect(); Statement ws = w.createStatement()) {
                    String held = awaitHeld(repo, st, receiver, hole);
                    awaitSync(st, receiver);
                    Future<?> commit = writer.submit(() -> ws.execute("CREATE TABLE waits AS SELECT 1 AS one"));
                    Thread.sleep(2_000);
                    assertFalse(commit.isDone(), "a commit was acknowledged with " + hole.skipped()
                            + " missing from the repository");
                    // The backup's stop segment reaches the repository through the receiver itself.
                    dist.run(pgUser, config, "backup").ok();
                    awaitLog(receiver, "after the WAL skipped from " + held);
                    commit.get(30, TimeUnit.SECONDS);
                    assertFalse(Files.exists(skippedRecord(repo, held)), "the hold's record stays after a backup passed it");
                    for (String name : hole.skipped()) {
                        assertFalse(Files.exists(walFile(repo, name)), name + " was stored: the hole was filled, not passed");
                    }
                }
            }
        } finally {
            writer.shutdownNow();
            PgvaultDist.deleteTree(kept);
        }
    }

    /** Segments a receiver skipped: from {@code from} up to, not including, {@code resumed}. */
    private record Hole(String from, String resumed, List<String> skipped) {}

    /**
     * An archive_command that stores elsewhere, so that PostgreSQL may recycle what the
     * repository lacks; no autovacuum, so that no WAL is written but the test's. Started.
     */
    private static PgCluster archivingElsewhere(Path kept) throws Exception {
        PgCluster pg = PgCluster.create("max_wal_size = 64MB", "min_wal_size = 32MB", "autovacuum = off",
                "archive_mode = on", "archive_command = 'cp %p " + kept + "/%f'");
        pg.start();
        return pg;
    }

    /**
     * A receiver streams, is killed, and the WAL after its end is written, archived elsewhere and
     * recycled by checkpoints: the next receiver finds it gone.
     */
    private static Hole skipWal(PgvaultDist dist, OsUser pgUser, TestRepo repo, PgCluster pg, Path config, Path kept,
            Statement st) throws Exception {
        dist.run(pgUser, config, "init").ok();
        try (Receiver receiver = Receiver.start(dist, pgUser, config, pg.base.resolve("receiver-1.log"), List.of())) {
            awaitStreaming(st, receiver, "pgvault");
            st.execute("CREATE TABLE early AS SELECT 1 AS one");
            awaitFlushed(st, receiver, "pgvault"); // a .stream stored: the repository ends there
            receiver.kill();
        }
        String from = value(st, "SELECT pg_walfile_name(pg_current_wal_lsn())");
        pg.client("pgbench", "-i", "-s", "5", "-q", "postgres").ok();
        // The segments the receiver will skip, archived elsewhere before each checkpoint.
        List<String> skipped = new ArrayList<>();
        String current = from;
        for (int i = 0; i < 3; i++) {
            st.execute("SELECT pg_switch_wal()");
            // the segment of the next byte (pg_walfile_name of a segment's end names that segment)
            current = value(st, "SELECT pg_walfile_name(pg_current_wal_lsn() + 1)");
            skipped = segments(from, current);
            skipped.remove(current);
            for (String name : skipped) {
                long deadline = System.currentTimeMillis() + 30_000;
                while (!Files.exists(kept.resolve(name))) {
                    assertTrue(System.currentTimeMillis() < deadline, name + " not archived within 30 s");
                    Thread.sleep(50);
                }
            }
            st.execute("CHECKPOINT");
        }
        assertFalse(Files.exists(pg.data.resolve("pg_wal/" + from)), from + " was recycled");
        return new Hole(from, current, skipped);
    }

    /**
     * The receiver resumes after the hole and streams and stores the WAL after it (the segment it
     * resumed in, now complete), but reports nothing past the hole's start, which it names; that
     * position.
     */
    private static String awaitHeld(TestRepo repo, Statement st, Receiver receiver, Hole hole) throws Exception {
        awaitLog(receiver, "streaming resumes at the server's current segment");
        awaitStreaming(st, receiver, "pgvault");
        st.execute("SET synchronous_commit = local"); // the test's own writes wait for no receiver
        st.execute("CREATE TABLE later AS SELECT 1 AS one");
        st.execute("SELECT pg_switch_wal()");
        awaitStored(repo, hole.resumed(), receiver);
        Thread.sleep(1_000); // its report after that store is in by now
        String held = flushReported(st);
        assertTrue(receiver.log().contains("the flush position reported stays at " + held),
                "reported " + held + " with " + hole.skipped() + " missing from the repository; its log:\n" + receiver.log());
        String from = hole.from();
        long fromSegment = Long.parseLong(from.substring(8, 16), 16) * 256 + Long.parseLong(from.substring(16), 16);
        assertEquals(fromSegment, lsn(held) >> 24, "the hole begins in " + from + ", not at " + held);
        assertTrue(Files.exists(skippedRecord(repo, held)), "no record of the hold in the repository");
        return held;
    }

    private static String flushReported(Statement st) throws Exception {
        return value(st, "SELECT flush_lsn::text FROM pg_stat_replication WHERE application_name = 'pgvault'");
    }

    /** The receiver's record of the gap it skipped from {@code from} on timeline 1. */
    private static Path skippedRecord(TestRepo repo, String from) {
        return repo.dir.resolve("repo/" + new RepositoryLayout("main").receiverSkippedKey("pgvault", 1, Lsn.parse(from)));
    }

    private static void awaitLog(Receiver receiver, String text) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!receiver.log().contains(text)) {
            assertTrue(System.currentTimeMillis() < deadline, "no '" + text + "' in the receiver's log:\n" + receiver.log());
            Thread.sleep(100);
        }
    }

    /** Waits until the receiver reports flushed (durable in the repository) all WAL written so far. */
    static void awaitFlushed(Statement st, Receiver receiver, String name) throws Exception {
        String target = value(st, "SELECT pg_current_wal_lsn()::text");
        long deadline = System.currentTimeMillis() + 30_000;
        while (!"t".equals(value(st, "SELECT coalesce(bool_or(flush_lsn >= '" + target + "'), false)::text"
                + " FROM pg_stat_replication WHERE application_name = '" + name + "'").substring(0, 1))) {
            assertTrue(System.currentTimeMillis() < deadline, "the receiver did not flush up to " + target
                    + " within 30 s; its log:\n" + receiver.log());
            Thread.sleep(100);
        }
    }

    private static String slotRestart(Statement st) throws Exception {
        return value(st, "SELECT restart_lsn::text FROM pg_replication_slots WHERE slot_name = 'vault'");
    }

    private static Path archiving(PgvaultDist dist, TestRepo repo, PgCluster pg) throws IOException {
        Path config = repo.config("main", pg);
        Files.writeString(pg.data.resolve("postgresql.auto.conf"), "archive_command = '" + dist.launcher()
                + " --config " + config + " archive-push %p'\n", java.nio.file.StandardOpenOption.APPEND);
        return config;
    }

    /** Restores the newest backup and all WAL (streamed included) into a new directory; the rows of beats there. */
    private static int restoredRows(PgvaultDist dist, OsUser user, Path config) throws Exception {
        Path base = user.newDirectory("pgvault-lost-host");
        try {
            Path dir = base.resolve("data");
            dist.run(user, config, "restore", "--pgdata", dir.toString()).ok();
            int port = PgCluster.freePort();
            RestoredCopy.start(user, dir, port, base);
            try (Connection c = RestoredCopy.connect(port); Statement st = c.createStatement()) {
                RestoredCopy.awaitPromoted(st);
                int count = Integer.parseInt(value(st, "SELECT count(*) FROM beats"));
                int max = Integer.parseInt(value(st, "SELECT coalesce(max(id), 0) FROM beats"));
                assertEquals(max, count, "the restored rows are 1.." + max + " without a hole");
                return count;
            } finally {
                RestoredCopy.stop(user, dir);
            }
        } finally {
            PgvaultDist.deleteTree(base);
        }
    }

    private static void awaitStreaming(Statement st, Receiver receiver, String name) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!"streaming".equals(value(st, "SELECT coalesce(max(state), 'none') FROM pg_stat_replication"
                + " WHERE application_name = '" + name + "'"))) {
            assertTrue(System.currentTimeMillis() < deadline, "the receiver did not stream within 60 s; its log:\n"
                    + receiver.log());
            assertTrue(receiver.alive(), "the receiver exited; its log:\n" + receiver.log());
            Thread.sleep(100);
        }
    }

    private static void awaitSync(Statement st, Receiver receiver) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!"sync".equals(value(st, "SELECT coalesce(max(sync_state), 'none') FROM pg_stat_replication"
                + " WHERE application_name = 'pgvault'"))) {
            assertTrue(System.currentTimeMillis() < deadline, "the receiver is not synchronous; its log:\n" + receiver.log());
            Thread.sleep(100);
        }
    }

    private static void awaitStored(TestRepo repo, String segment, Receiver receiver) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        // archive-push may have stored it first: the receiver's own mark is its .stream object gone.
        while (Files.exists(walFile(repo, segment + ".stream")) || !Files.exists(walFile(repo, segment))) {
            assertTrue(System.currentTimeMillis() < deadline, segment + " not completed by the receiver; its log:\n"
                    + receiver.log());
            Thread.sleep(100);
        }
    }

    /** The repository holds WAL at least up to the slot's restart position (read back as archive-get reads it). */
    private static void assertSlotWithinRepository(TestRepo repo, String restartLsn) throws Exception {
        long lsn = lsn(restartLsn);
        long seg = 16L << 20;
        try (EncodedStore store = new EncodedStore(repo.blobs(), CodecSpec.DEFAULT)) {
            RepositoryLayout layout = new RepositoryLayout("main");
            WalArchive archive = new WalArchive(store, layout, new StanzaStore(store, layout).requireIdentity());
            WalFileName name = WalFileName.parse(WalFileName.segmentName(1, lsn / seg, seg));
            if (Files.exists(walFile(repo, name.name()))) {
                return; // the complete segment holds it all
            }
            if (lsn % seg == 0) {
                String before = WalFileName.segmentName(1, lsn / seg - 1, seg);
                assertTrue(Files.exists(walFile(repo, before)), "slot at " + restartLsn + " but " + before + " is not stored");
                return;
            }
            long streamed = archive.streamedLength(name);
            assertTrue(streamed >= lsn % seg, "slot at " + restartLsn + " but only " + streamed + " bytes of "
                    + name.name() + " are in the repository");
        }
    }

    private static long lsn(String text) {
        String[] p = text.split("/");
        return (Long.parseLong(p[0], 16) << 32) | Long.parseLong(p[1], 16);
    }

    private static List<String> segments(String first, String last) {
        List<String> out = new ArrayList<>();
        long a = Long.parseLong(first.substring(8, 16), 16) * 256 + Long.parseLong(first.substring(16), 16);
        long b = Long.parseLong(last.substring(8, 16), 16) * 256 + Long.parseLong(last.substring(16), 16);
        for (long n = a; n <= b; n++) {
            out.add(String.format("%s%08X%08X", first.substring(0, 8), n / 256, n % 256));
        }
        return out;
    }

    static Path walFile(TestRepo repo, String name) {
        return repo.dir.resolve("repo/main/wal/" + name.substring(0, 16) + "/" + name);
    }

    private static void killPostmaster(PgCluster pg) throws Exception {
        String pid = Files.readAllLines(pg.data.resolve("postmaster.pid")).get(0).strip();
        new ProcessBuilder("kill", "-9", pid).start().waitFor(10, TimeUnit.SECONDS);
        // Its children notice at once and exit; wait so none writes into the directory deleted next.
        long deadline = System.currentTimeMillis() + 10_000;
        while (ProcessHandle.of(Long.parseLong(pid)).isPresent() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(300);
    }

    /** {@code pgvault wal-receive} in the background, as PostgreSQL's OS user, its output in a log. */
    static final class Receiver implements AutoCloseable {
        private final Process process;
        private final Path log;

        private Receiver(Process process, Path log) {
            this.process = process;
            this.log = log;
        }

        static Receiver start(PgvaultDist dist, OsUser user, Path config, Path log, List<String> args) throws IOException {
            List<String> cmd = new ArrayList<>();
            if (user.switchUser()) {
                // setpriv execs: the Process is the receiver's JVM, and kill -9 hits it.
                cmd.addAll(List.of("setpriv", "--reuid=" + user.name(), "--regid=" + user.name(), "--init-groups", "--"));
            }
            cmd.addAll(List.of(dist.launcher().toString(), "--config", config.toString(), "wal-receive"));
            cmd.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            return new Receiver(pb.start(), log);
        }

        boolean alive() {
            return process.isAlive();
        }

        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }

        String log() throws IOException {
            return Files.exists(log) ? Files.readString(log) : "";
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }
}
