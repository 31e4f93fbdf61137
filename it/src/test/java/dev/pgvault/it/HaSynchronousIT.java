package dev.pgvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Synchronous mode on real parts: one standby is synchronous, a writer commits as fast as it can,
 * the primary is killed mid-stream, and every commit the writer saw acknowledged is on the node
 * that takes over — which must be the synchronous standby. Each agent also runs a synchronous
 * {@code wal-receive} ({@code ha.wal-receive}, {@code archive.stream-sync}), which the primary's
 * commits wait for too: every acknowledged commit is also in the repository, and a restore of
 * the lost primary's timeline from the repository alone has them all.
 *
 * <p>The repository is S3, reached through a relay the first test makes stop answering: a
 * receiver held by a hung store longer than {@code archive.stream-sync-timeout} drops out, the
 * agent stops making commits wait for it, and once the store answers again it is waited for again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HaSynchronousIT {
    /** archive.stream-sync-timeout: how long one store may hold the synchronous receiver. */
    private static final int SYNC_TIMEOUT_S = 3;

    EtcdCluster etcd;
    HaCluster cluster;
    TestRepo repo;
    TcpRelay relay;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found");
        etcd = EtcdCluster.start(1);
        repo = TestRepo.create(TestRepo.Kind.S3, false, OsUser.forPostgres());
        relay = TcpRelay.start("127.0.0.1", TestRepo.s3().port());
        cluster = HaCluster.createOn("itsync", etcd.clientUrls(), 3, repo.repoSectionVia(relay), "synchronous: true",
                "wal-receive: true", HaNode.ARCHIVE + "stream-sync: true",
                HaNode.ARCHIVE + "stream-sync-timeout: " + SYNC_TIMEOUT_S);
        cluster.startAll();
    }

    @AfterAll
    void stop() throws Exception {
        try {
            HaCluster.closeWithEtcd(cluster, etcd);
        } finally {
            if (relay != null) {
                relay.close();
            }
            if (repo != null) {
                repo.close();
            }
        }
    }

    /** Waits until the primary's commits wait for its receiver and for {@code sync}, both streaming. */
    private void awaitCommitsWaitingForBoth(HaNode primary, String receiver, String sync) throws InterruptedException {
        String both = "FIRST 2 (\"" + receiver + "\", \"" + sync + "\")";
        cluster.await(Duration.ofSeconds(60), "commits waiting for " + both, () -> {
            try {
                return both.equals(primary.query("SHOW synchronous_standby_names")) && "sync".equals(primary.query(
                        "SELECT sync_state FROM pg_stat_replication WHERE application_name = '" + receiver + "'"));
            } catch (SQLException e) {
                return false;
            }
        });
    }

    @Test
    @Order(1)
    void aRepositoryThatStopsAnsweringHoldsCommitsOnlyUntilTheReceiverDropsOut() throws Exception {
        HaNode primary = cluster.awaitHealthy(Duration.ofSeconds(120));
        String sync = awaitSynchronousStandby(primary);
        String receiver = "pgvault-" + primary.name;
        awaitCommitsWaitingForBoth(primary, receiver, sync);
        primary.query("CREATE TABLE hung (v int PRIMARY KEY)");

        relay.cut(); // S3 stops answering: requests are accepted and never answered
        long cutAt = System.nanoTime();
        double released;
        try {
            CompletableFuture<Void> held = CompletableFuture.runAsync(() -> {
                try (Connection c = primary.connect(0); Statement s = c.createStatement()) {
                    s.execute("INSERT INTO hung VALUES (1)");
                } catch (SQLException e) {
                    throw new CompletionException(e);
                }
            });
            Thread.sleep(TimeUnit.SECONDS.toMillis(SYNC_TIMEOUT_S - 1));
            assertFalse(held.isDone(), "a commit was acknowledged while the receiver still waited on its store"
                    + " (stream-sync-timeout " + SYNC_TIMEOUT_S + " s)");
            try {
                held.get(30, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("a commit still waits 30 s after the repository stopped answering: the receiver"
                        + " held by its store was not taken out of synchronous_standby_names\n" + cluster.logs(), e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new AssertionError("the held commit failed\n" + cluster.logs(), e);
            }
            released = (System.nanoTime() - cutAt) / 1e9;
            // the timeout, the agent's next loop (1 s), the standby's next report (1 s, the agent's
            // wal_receiver_status_interval), and margin for a loaded machine
            assertTrue(released < SYNC_TIMEOUT_S + 5, String.format("the commit waited %.1f s after the repository"
                    + " stopped answering, stream-sync-timeout %d s%n%s", released, SYNC_TIMEOUT_S, cluster.logs()));
            assertEquals("\"" + sync + "\"", primary.query("SHOW synchronous_standby_names"),
                    "commits wait for the synchronous standby alone");
            assertTrue(primary.logTail(400).contains("the receiver " + receiver
                    + " stopped streaming: commits no longer wait for the repository"), primary.logTail(60));
            HaNode standby = cluster.node(sync);
            cluster.await(Duration.ofSeconds(10), "the released commit on the synchronous standby " + sync, () -> {
                try {
                    return "1".equals(standby.query("SELECT count(*) FROM hung"));
                } catch (SQLException e) {
                    return false;
                }
            });
        } finally {
            relay.heal();
        }
        // the store answers again: the receiver stores what it held, streams, and is waited for again
        long healedAt = System.nanoTime();
        awaitCommitsWaitingForBoth(primary, receiver, sync);
        double again = (System.nanoTime() - healedAt) / 1e9;
        System.out.printf("synchronous receiver on a hung repository: commits waited %.1f s (stream-sync-timeout %d s);"
                + " waited for again %.1f s after the repository answered%n", released, SYNC_TIMEOUT_S, again);
        // the store's end, the reconnect (0.25 s after a session that streamed), the agent's next
        // loop (1 s) and its report; not the primary's next WAL, which a reconnected receiver on an
        // idle primary once waited for (about 10 s here) before PostgreSQL counted it synchronous
        assertTrue(again < 7, String.format("the receiver was waited for again %.1f s after the repository"
                + " answered, 7 s at most%n%s", again, primary.logTail(40)));
        assertTrue(primary.logTail(400).contains("commits also wait for the receiver " + receiver), primary.logTail(60));
        primary.query("INSERT INTO hung VALUES (2)");
        assertEquals("2", primary.query("SELECT count(*) FROM hung"));
    }

    /** The member the primary's pg_stat_replication reports as 'sync', once there is one. */
    private String awaitSynchronousStandby(HaNode primary) throws InterruptedException {
        String[] name = new String[1];
        cluster.await(Duration.ofSeconds(60), "a synchronous standby on " + primary.name, () -> {
            try {
                name[0] = primary.query("SELECT application_name FROM pg_stat_replication WHERE sync_state = 'sync'"
                        + " AND application_name NOT LIKE 'pgvault-%'");
                return name[0] != null;
            } catch (SQLException e) {
                return false;
            }
        });
        // and etcd agrees that it alone may be promoted
        cluster.await(Duration.ofSeconds(30), "etcd's sync set is [" + name[0] + "]", () -> {
            Proc list = primary.pgvault("ha", "list", "--output", "json");
            return list.exitCode() == 0 && list.stdout().contains("\"name\":\"" + name[0] + "\"")
                    && countOf(list.stdout(), "\"sync_standby\":true") == 1
                    && list.stdout().matches("(?s).*\"name\":\"" + name[0] + "\"[^}]*\"sync_standby\":true.*");
        });
        return name[0];
    }

    private static int countOf(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    @Order(2)
    void noAcknowledgedCommitIsLostAcrossAFailover() throws Exception {
        HaNode primary = cluster.awaitHealthy(Duration.ofSeconds(120));
        primary.query("CREATE TABLE t (v int PRIMARY KEY)");
        Proc backup = primary.pgvault("backup");
        assertEquals(0, backup.exitCode(), backup.stdout() + backup.stderr());
        String sync = awaitSynchronousStandby(primary);
        assertEquals("on", primary.query("SHOW synchronous_commit"));
        awaitCommitsWaitingForBoth(primary, "pgvault-" + primary.name, sync);

        List<Integer> acknowledged = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            try (Connection c = primary.connect(); Statement s = c.createStatement()) {
                for (int i = 1; !stop.get(); i++) {
                    s.execute("INSERT INTO t VALUES (" + i + ")");
                    acknowledged.add(i); // the commit returned: the client was told it is durable
                }
            } catch (SQLException expected) {
                // the primary went away mid-stream
            }
        });
        writer.start();
        Thread.sleep(2000);
        primary.killAgentAndPostgres();
        writer.join(30_000);
        stop.set(true);
        assertTrue(acknowledged.size() > 10, "the writer committed only " + acknowledged.size() + " rows");

        List<HaNode> others = cluster.nodes.stream().filter(n -> n != primary).toList();
        Optional<HaNode> next = Optional.of(cluster.awaitNewPrimary(others, -1, Duration.ofSeconds(60), "after the kill"));
        assertEquals(sync, next.get().name, "only the synchronous standby may take over");
        int last = acknowledged.get(acknowledged.size() - 1);
        String present = next.get().query("SELECT count(*) FROM t WHERE v BETWEEN 1 AND " + last);
        assertEquals(Integer.toString(last), present, "every acknowledged commit (1.." + last + ") survived\n"
                + cluster.logs());
        System.out.printf("synchronous failover: %d commits acknowledged before the kill, all on %s%n", last, sync);

        // the repository alone, along the lost primary's timeline: what its receiver stored
        OsUser user = OsUser.forPostgres();
        Path base = user.newDirectory("pgvault-sync-restore");
        try {
            Path dir = base.resolve("data");
            Proc restore = next.get().pgvault("restore", "--pgdata", dir.toString(), "--archive-mode", "off",
                    "--target-timeline", "1");
            assertEquals(0, restore.exitCode(), restore.stdout() + restore.stderr());
            int port = PgCluster.freePort();
            RestoredCopy.start(user, dir, port, base);
            try (Connection c = RestoredCopy.connect(port); Statement st = c.createStatement()) {
                RestoredCopy.awaitPromoted(st);
                assertEquals(Integer.toString(last), PointInTimeRecoveryIT.value(st,
                        "SELECT count(*) FROM t WHERE v BETWEEN 1 AND " + last),
                        "every acknowledged commit (1.." + last + ") is in the repository");
            } finally {
                RestoredCopy.stop(user, dir);
            }
        } finally {
            PgvaultDist.deleteTree(base);
        }
    }
}
