package dev.pgvault.it;

import static dev.pgvault.it.PointInTimeRecoveryIT.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code ha.wal-receive: true} on a real two-node cluster: the primary's agent streams WAL into
 * the repository; after the primary is lost, the new primary's agent streams the new timeline
 * without anyone acting; when that one is lost too, a restore from the repository alone has every
 * row both primaries reported flushed to their receivers.
 */
class HaWalReceiveIT {

    @Test
    @Timeout(600)
    void theNewPrimarysReceiverTakesOverAfterAFailover() throws Exception {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found");
        try (EtcdCluster etcd = EtcdCluster.start(1);
                HaCluster cluster = HaCluster.create("itwr", etcd.clientUrls(), 2, "wal-receive: true")) {
            cluster.startAll();
            HaNode first = cluster.awaitHealthy(Duration.ofSeconds(120));
            first.query("CREATE TABLE t (v int PRIMARY KEY)");
            Proc backup = first.pgvault("backup");
            assertEquals(0, backup.exitCode(), backup.stdout() + backup.stderr());
            first.query("INSERT INTO t SELECT generate_series(1, 100)");
            awaitReceiverFlushed(cluster, first);

            HaNode second = cluster.nodes.stream().filter(n -> n != first).findFirst().orElseThrow();
            first.killAgentAndPostgres();
            HaNode next = cluster.awaitNewPrimary(List.of(second), 101, Duration.ofSeconds(60), "after the loss");
            next.query("INSERT INTO t SELECT generate_series(102, 200)");
            awaitReceiverFlushed(cluster, next);
            String info = next.pgvault("info", "--output", "json").stdout();
            assertTrue(info.contains("\"name\" : \"pgvault-" + next.name + "\""), info);

            next.killAgentAndPostgres(); // both hosts lost: only the repository is left
            OsUser user = OsUser.forPostgres();
            Path base = user.newDirectory("pgvault-ha-restore");
            try {
                Path dir = base.resolve("data");
                Proc restore = next.pgvault("restore", "--pgdata", dir.toString(), "--archive-mode", "off");
                assertEquals(0, restore.exitCode(), restore.stdout() + restore.stderr());
                int port = PgCluster.freePort();
                RestoredCopy.start(user, dir, port, base);
                try (Connection c = RestoredCopy.connect(port); Statement st = c.createStatement()) {
                    RestoredCopy.awaitPromoted(st);
                    assertEquals("200", value(st, "SELECT count(*) FROM t"), "rows of both timelines, the last streamed");
                } finally {
                    RestoredCopy.stop(user, dir);
                }
            } finally {
                PgvaultDist.deleteTree(base);
            }
        }
    }

    /** Waits until the node's own receiver has reported flushed every WAL byte the node has written. */
    private static void awaitReceiverFlushed(HaCluster cluster, HaNode node) throws Exception {
        String target = node.query("SELECT pg_current_wal_lsn()::text");
        String name = "pgvault-" + node.name;
        cluster.await(Duration.ofSeconds(60), name + " flushed up to " + target, () -> {
            try {
                return "true".equals(node.query("SELECT coalesce(bool_or(flush_lsn >= '" + target + "'), false)::text"
                        + " FROM pg_stat_replication WHERE application_name = '" + name + "'"));
            } catch (SQLException e) {
                return false;
            }
        });
    }
}
