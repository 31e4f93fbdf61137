package dev.pgvault.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/** Three HA nodes on one etcd, with their repository and API token: what the HA tests drive. */
final class HaCluster implements AutoCloseable {
    static final String TOKEN = "it-token-0123456789";

    final List<HaNode> nodes = new ArrayList<>();
    final Path work;
    /** The filesystem repository's directory; null for a cluster on another repository. */
    final Path repo;
    final Path tokenFile;

    private HaCluster(Path work, Path repo, Path tokenFile) {
        this.work = work;
        this.repo = repo;
        this.tokenFile = tokenFile;
    }

    static HaCluster create(String cluster, List<String> etcd, int size, String... haExtra) throws IOException {
        return create(cluster, cluster, etcd, null, size, haExtra);
    }

    /** A cluster on stanza {@code stanza} of the repository {@code sharedRepo} (null: a new one of its own). */
    static HaCluster create(String cluster, String stanza, List<String> etcd, Path sharedRepo, int size,
            String... haExtra) throws IOException {
        List<List<String>> perNode = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            perNode.add(etcd);
        }
        return create(cluster, stanza, perNode, sharedRepo, haExtra);
    }

    /**
     * A cluster of {@code size} nodes on the repository that {@code repoSection} names (a
     * configuration's whole {@code repo:} section, an S3 one for instance); {@link #repo} is null.
     */
    static HaCluster createOn(String cluster, List<String> etcd, int size, String repoSection, String... haExtra)
            throws IOException {
        OsUser user = OsUser.forPostgres();
        Path work = user.newDirectory("pgvault-ha-work");
        HaCluster c = new HaCluster(work, null, tokenIn(work, user));
        for (int i = 1; i <= size; i++) {
            c.nodes.add(HaNode.create("n" + i, cluster, cluster, etcd, repoSection, c.tokenFile, haExtra));
        }
        return c;
    }

    private static Path tokenIn(Path work, OsUser user) throws IOException {
        Path token = work.resolve("api-token");
        Files.writeString(token, TOKEN + "\n");
        user.own(token);
        return token;
    }

    /** A cluster of {@code etcdPerNode.size()} nodes, node i reaching etcd at the URLs {@code etcdPerNode.get(i)}. */
    static HaCluster create(String cluster, String stanza, List<List<String>> etcdPerNode, Path sharedRepo,
            String... haExtra) throws IOException {
        OsUser user = OsUser.forPostgres();
        Path work = user.newDirectory("pgvault-ha-work");
        Path repo = sharedRepo;
        if (repo == null) {
            repo = work.resolve("repo");
            Files.createDirectory(repo);
            user.own(repo);
        }
        HaCluster c = new HaCluster(work, repo, tokenIn(work, user));
        for (int i = 1; i <= etcdPerNode.size(); i++) {
            c.nodes.add(HaNode.create("n" + i, cluster, stanza, etcdPerNode.get(i - 1), repo, c.tokenFile, haExtra));
        }
        return c;
    }

    void startAll() throws IOException {
        for (HaNode n : nodes) {
            n.startAgent();
        }
    }

    HaNode node(String name) {
        return nodes.stream().filter(n -> n.name.equals(name)).findFirst().orElseThrow();
    }

    /** The node whose API says it is the writable primary, if exactly one does. */
    Optional<HaNode> primary() {
        List<HaNode> p = nodes.stream().filter(n -> n.get("/primary") == 200).toList();
        return p.size() == 1 ? Optional.of(p.get(0)) : Optional.empty();
    }

    /** Waits until one node is primary and every other answers /replica with 200 (streaming). */
    HaNode awaitHealthy(Duration timeout) throws InterruptedException {
        java.util.concurrent.atomic.AtomicReference<HaNode> found = new java.util.concurrent.atomic.AtomicReference<>();
        await(timeout, "one primary and " + (nodes.size() - 1) + " streaming replicas", () -> {
            Optional<HaNode> p = primary();
            found.set(p.orElse(null));
            return p.isPresent() && nodes.stream().filter(n -> n != p.get()).allMatch(n -> n.get("/replica") == 200);
        });
        return found.get(); // the one seen healthy: asking again could catch a later moment
    }

    void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not reached within " + timeout.toSeconds() + " s: " + what + "\n" + logs());
            }
            Thread.sleep(200);
        }
    }

    /** Tries an INSERT on each node; the one that accepts it, if any. */
    Optional<HaNode> writable(String table, int value, List<HaNode> candidates) {
        for (HaNode n : candidates) {
            try {
                n.query("INSERT INTO " + table + " VALUES (" + value + ")");
                return Optional.of(n);
            } catch (SQLException e) {
                // read-only, down, or starting: try the next
            }
        }
        return Optional.empty();
    }

    /**
     * Polls every 100 ms until one of {@code candidates} accepts {@code INSERT INTO t VALUES (value)};
     * fails, with the agents' logs, when none has within {@code timeout}.
     */
    HaNode awaitNewPrimary(List<HaNode> candidates, int value, Duration timeout, String what)
            throws InterruptedException {
        return awaitNewPrimaryTimed(candidates, value, timeout, what).node();
    }

    /** The node that took the write, and {@link System#nanoTime()} just before the attempt that succeeded. */
    record NewPrimary(HaNode node, long attemptedAt) {}

    /** As {@link #awaitNewPrimary}, also saying when the successful attempt began. */
    NewPrimary awaitNewPrimaryTimed(List<HaNode> candidates, int value, Duration timeout, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long attemptedAt = System.nanoTime();
            Optional<HaNode> next = writable("t", value, candidates);
            if (next.isPresent()) {
                return new NewPrimary(next.get(), attemptedAt);
            }
            if (System.nanoTime() > deadline) {
                fail("no new primary within " + timeout.toSeconds() + " s " + what + "\n" + logs());
            }
            Thread.sleep(100);
        }
    }

    /** Waits until {@code node} has {@code rows} rows in table t (the tests' running count). */
    void awaitRows(HaNode node, long rows) throws InterruptedException {
        await(Duration.ofSeconds(30), node.name + " has " + rows + " rows", () -> {
            try {
                return Long.parseLong(node.query("SELECT count(*) FROM t")) == rows;
            } catch (SQLException e) {
                return false;
            }
        });
    }

    String logs() {
        StringBuilder b = new StringBuilder();
        for (HaNode n : nodes) {
            b.append("---- ").append(n.name).append(" agent log (tail)\n").append(n.logTail(Integer.getInteger("pgvault.it.logTail", 40))).append('\n');
            b.append("---- ").append(n.name).append(" PostgreSQL log (tail)\n").append(n.serverLogTail(15)).append('\n');
        }
        return b.toString();
    }

    /** A test's teardown: the cluster first (its agents stop PostgreSQL while etcd still answers), then etcd; either may be null. */
    static void closeWithEtcd(HaCluster cluster, EtcdCluster etcd) throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @Override
    public void close() throws Exception {
        for (HaNode n : nodes) {
            n.close();
        }
        PgvaultDist.deleteTree(work);
    }
}
