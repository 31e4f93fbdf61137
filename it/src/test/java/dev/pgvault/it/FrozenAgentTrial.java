package dev.pgvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One trial of issue 13's frozen agent: SIGSTOP on the primary's agent, its PostgreSQL left running
 * and a client committing to it every 250 ms, until another node accepts writes; then SIGCONT.
 * Holds a user's checks: no commit on the old primary once the new one took writes, the fence (not
 * the frozen agent) stopped it, every acknowledged commit is on the new primary, and the thawed
 * node follows it.
 */
final class FrozenAgentTrial {
    private FrozenAgentTrial() {
    }

    /** What the caller checks once the cluster is healthy again: the thawed node has caught up. */
    interface Rejoined {
        void check(HaNode thawed) throws Exception;
    }

    /**
     * Runs one trial on {@code cluster}; {@code values} numbers the client's rows (table {@code
     * frozen}), {@code probe} is the value the new primary's first write puts into table {@code t}.
     * Returns the seconds from the old primary's last commit to the new one's first.
     */
    static double run(HaCluster cluster, int trial, AtomicInteger values, int probe, Rejoined rejoined) throws Exception {
        HaNode old = cluster.awaitHealthy(Duration.ofSeconds(120));
        old.query("CREATE TABLE IF NOT EXISTS frozen (v int PRIMARY KEY)");
        List<HaNode> others = cluster.nodes.stream().filter(n -> n != old).toList();
        long fencedBefore = old.fenceLog().lines().filter(l -> l.contains("stopped it immediately")).count();
        List<long[]> acknowledged = new CopyOnWriteArrayList<>(); // {value, nanoTime after commit}
        AtomicBoolean done = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            while (!done.get()) {
                int v = values.incrementAndGet();
                try (Connection c = old.connect(); Statement st = c.createStatement()) {
                    st.execute("INSERT INTO frozen VALUES (" + v + ")");
                    acknowledged.add(new long[] {v, System.nanoTime()});
                } catch (SQLException e) {
                    // stopped, or refusing: only acknowledged commits count
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "frozen-agent-writer");
        writer.start();
        Thread.sleep(1000);
        long frozeAt = System.nanoTime();
        old.signalAgent("STOP");
        HaNode next;
        long promotedAt;
        try {
            // from just before the attempt that succeeds: any commit on the old primary after it may
            // already overlap the new primary's
            HaCluster.NewPrimary p = cluster.awaitNewPrimaryTimed(others, probe, Duration.ofSeconds(60),
                    "after the leader's agent froze");
            next = p.node();
            promotedAt = p.attemptedAt();
            Thread.sleep(2000); // the writer keeps trying the old primary
        } finally {
            done.set(true);
            writer.join(10_000);
            old.signalAgent("CONT");
        }
        assertTrue(!acknowledged.isEmpty(), "no commit on " + old.name + " even before the freeze");
        long lastOld = acknowledged.get(acknowledged.size() - 1)[1];
        long after = acknowledged.stream().filter(a -> a[1] >= promotedAt).count();
        System.out.printf("frozen agent trial %d: %d commits on %s, its last %.2f s after the freeze; %s took writes"
                + " %.2f s after it%n", trial, acknowledged.size(), old.name, (lastOld - frozeAt) / 1e9, next.name,
                (promotedAt - frozeAt) / 1e9);
        assertEquals(0, after, "commits on the frozen agent's primary after " + next.name + " accepted writes");
        String fenceLog = old.fenceLog();
        assertEquals(fencedBefore + 1, fenceLog.lines().filter(l -> l.contains("stopped it immediately")).count(),
                "the fence stopped it:\n" + fenceLog);
        String present = next.query("SELECT string_agg(v::text, ',' ORDER BY v) FROM frozen");
        Set<String> have = Set.of(present == null ? new String[0] : present.split(","));
        List<Long> lost = acknowledged.stream().map(a -> a[0]).filter(v -> !have.contains(Long.toString(v))).toList();
        assertEquals(List.of(), lost, "acknowledged writes missing on the new primary");
        cluster.awaitHealthy(Duration.ofSeconds(120));
        rejoined.check(old);
        return (promotedAt - lastOld) / 1e9;
    }
}
