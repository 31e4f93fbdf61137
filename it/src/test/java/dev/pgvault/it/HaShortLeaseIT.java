package dev.pgvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The shortest lease (ha.ttl 4, loop-wait 1) on real parts: a 1-member etcd, two PostgreSQL 15
 * nodes and their agents. Its margins are an immediate stop's (the watchdog thread 1 s, the fence
 * 0.75 s before the lease could end), so the frozen agent's trial holds them to the same bar as
 * HaClusterIT's on the standard lease, and a killed primary is replaced within the lease and a few
 * seconds. {@code -Dpgvault.ha.short-trials=N} repeats both N times (failover times printed).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HaShortLeaseIT {
    static final Duration TTL = Duration.ofSeconds(4);

    EtcdCluster etcd;
    HaCluster cluster;
    int nextValue = 1;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found");
        etcd = EtcdCluster.start(1);
        cluster = HaCluster.create("itshort", etcd.clientUrls(), 2, "ttl: " + TTL.toSeconds());
        cluster.startAll();
        cluster.awaitHealthy(Duration.ofSeconds(120)).query("CREATE TABLE t (v int PRIMARY KEY)");
    }

    @AfterAll
    void stop() throws Exception {
        HaCluster.closeWithEtcd(cluster, etcd);
    }

    private void awaitRows(HaNode node, long rows) throws InterruptedException {
        cluster.awaitRows(node, rows);
    }

    @Test
    @Order(1)
    void aFrozenAgentsPrimaryStopsCommittingBeforeAnotherNodeIsPromoted() throws Exception {
        AtomicInteger values = new AtomicInteger();
        int trials = Integer.getInteger("pgvault.ha.short-trials", 1);
        for (int trial = 1; trial <= trials; trial++) {
            double margin = FrozenAgentTrial.run(cluster, trial, values, nextValue++, thawed -> awaitRows(thawed, nextValue - 1));
            System.out.printf("ttl 4, frozen agent trial %d: %.2f s from the old primary's last commit to the new one's first%n",
                    trial, margin);
        }
    }

    @Test
    @Order(2)
    void aKilledPrimaryIsReplacedWithinTheLeaseAndRejoins() throws Exception {
        int trials = Integer.getInteger("pgvault.ha.short-trials", 1);
        for (int trial = 1; trial <= trials; trial++) {
            HaNode old = cluster.awaitHealthy(Duration.ofSeconds(120));
            List<HaNode> others = cluster.nodes.stream().filter(n -> n != old).toList();
            awaitRows(others.get(0), nextValue - 1); // nothing in flight at the kill
            long killedAt = System.nanoTime();
            old.killAgentAndPostgres();
            HaNode next = cluster.awaitNewPrimary(others, nextValue++, Duration.ofSeconds(60), "after the kill");
            double took = (System.nanoTime() - killedAt) / 1e9;
            System.out.printf("ttl 4, failover trial %d: %s killed, %s accepted writes after %.2f s%n", trial, old.name,
                    next.name, took);
            double bound = TTL.toSeconds() + 2 + 8; // the lease, two cycles, and a loaded machine's promotion
            assertTrue(took < bound, "failover took " + took + " s, more than " + bound + " s");
            assertEquals(Integer.toString(nextValue - 1), next.query("SELECT count(*) FROM t"), "every row, plus the new one");
            old.startAgent();
            cluster.awaitHealthy(Duration.ofSeconds(120));
            assertNotEquals(old.name, cluster.primary().orElseThrow().name);
            awaitRows(old, nextValue - 1);
        }
    }

    /**
     * {@code ha restart} of the primary on the short lease: its fast shutdown (a checkpoint of
     * freshly written rows) runs with the lease renewed, so the watchdog never turns it into an
     * immediate stop, and the node keeps the key and its rows.
     */
    @Test
    @Order(3)
    void aRestartOfThePrimaryKeepsItsKeyWithoutAnImmediateStop() throws Exception {
        HaNode primary = cluster.awaitHealthy(Duration.ofSeconds(120));
        primary.query("CREATE TABLE dirty AS SELECT g, repeat(md5(g::text), 6) AS pad FROM generate_series(1, 300000) g");
        String startedBefore = primary.query("SELECT pg_postmaster_start_time()::text");
        int logLines = (int) primary.logTail(1_000_000).lines().count();
        Proc restart = primary.pgvault("ha", "restart", primary.name);
        assertEquals(0, restart.exitCode(), restart.stdout() + restart.stderr() + "\n" + cluster.logs());
        System.out.print("ttl 4, " + restart.stdout());
        assertEquals(primary.name, cluster.awaitHealthy(Duration.ofSeconds(60)).name, "no failover\n" + cluster.logs());
        assertNotEquals(startedBefore, primary.query("SELECT pg_postmaster_start_time()::text"), "restarted");
        assertEquals("300000", primary.query("SELECT count(*) FROM dirty"));
        List<String> since = primary.logTail(1_000_000).lines().skip(logLines).toList();
        assertTrue(since.stream().noneMatch(l -> l.contains("stopping PostgreSQL immediately") || l.contains("lease expired")),
                String.join("\n", since));
    }
}
