package dev.pgvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Synchronous mode on real parts: one standby is synchronous, a writer commits as fast as it can,
 * the primary is killed mid-stream, and every commit the writer saw acknowledged is on the node
 * that takes over — which must be the synchronous standby. Each agent also runs a synchronous
 * {@code wal-receive} ({@code ha.wal-receive}, {@code archive.stream-sync}), which the primary's
 * commits wait for too: every acknowledged commit is also in the repository, and a restore of
 * the lost primary's timeline from the repository alone has them all.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HaSynchronousIT {
    EtcdCluster etcd;
    HaCluster cluster;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found");
        etcd = EtcdCluster.start(1);
        cluster = HaCluster.create("itsync", etcd.clientUrls(), 3, "synchronous: true", "wal-receive: true",
                HaNode.ARCHIVE + "stream-sync: true");
        cluster.startAll();
    }

    @AfterAll
    void stop() throws Exception {
        HaCluster.closeWithEtcd(cluster, etcd);
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
    void noAcknowledgedCommitIsLostAcrossAFailover() throws Exception {
        HaNode primary = cluster.awaitHealthy(Duration.ofSeconds(120));
        primary.query("CREATE TABLE t (v int PRIMARY KEY)");
        Proc backup = primary.pgvault("backup");
        assertEquals(0, backup.exitCode(), backup.stdout() + backup.stderr());
        String sync = awaitSynchronousStandby(primary);
        assertEquals("on", primary.query("SHOW synchronous_commit"));
        String receiver = "pgvault-" + primary.name;
        String both = "FIRST 2 (\"" + receiver + "\", \"" + sync + "\")";
        cluster.await(Duration.ofSeconds(30), "commits waiting for " + both, () -> {
            try {
                return both.equals(primary.query("SHOW synchronous_standby_names")) && "sync".equals(primary.query(
                        "SELECT sync_state FROM pg_stat_replication WHERE application_name = '" + receiver + "'"));
            } catch (SQLException e) {
                return false;
            }
        });

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
