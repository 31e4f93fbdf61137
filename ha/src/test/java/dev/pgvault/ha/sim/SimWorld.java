package dev.pgvault.ha.sim;

import dev.pgvault.ha.Bootstrap;
import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.ReplicaMethod;
import dev.pgvault.ha.agent.HaAgent;
import dev.pgvault.ha.api.InMemoryDcs;
import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.Switchover;
import dev.pgvault.ha.dcs.DcsException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A three-node cluster of real {@link HaAgent}s over one in-memory etcd and simulated
 * PostgreSQLs, on clocks the simulation moves in ticks of 100 ms, driven by one seed: the same
 * seed replays the same run. After a bootstrap it injects random faults for two minutes (agents
 * frozen or killed, PostgreSQL crashed, etcd down, a node cut off from etcd, a wall clock
 * stepped, a switchover requested), heals them, and gives the cluster a minute to settle. A
 * client commits to whichever node is writable every other tick or so.
 *
 * <p>Checked after every event (each agent cycle, each fence stop, each fault, each tick): never
 * two writable nodes; in synchronous mode, a node that becomes writable holds every commit
 * acknowledged so far. At the end: one writable node, the others streaming from it.
 */
final class SimWorld {
    static final Duration TICK = Duration.ofMillis(100);
    static final Duration LOOP_WAIT = Duration.ofSeconds(1);
    /** The standard lease; {@link #SHORT_TTL} the shortest, with its own margins. */
    static final Duration TTL = Duration.ofSeconds(10);
    static final Duration SHORT_TTL = HaSettings.MINIMUM_SHORT_TTL;
    private static final Duration BOOTSTRAP = Duration.ofSeconds(20);
    private static final Duration FAULTS = Duration.ofSeconds(120);
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private static final List<String> NAMES = List.of("n1", "n2", "n3");

    /**
     * RESTART (an operator's {@code ha restart}) and BREAK_NEXT_REWIND (the target's next pg_rewind
     * fails half-way) come last: worlds without them (the regression seeds) draw as they did before
     * they existed.
     */
    enum Fault { FREEZE_AGENT, KILL_AGENT, CRASH_POSTGRES, ETCD_DOWN, CUT_OFF, STEP_CLOCK, SWITCHOVER, RESTART,
        BREAK_NEXT_REWIND }

    /** A broken invariant: what and when; the run stops there. */
    static final class Violation extends RuntimeException {
        Violation(String message) {
            super(message);
        }
    }

    private final class Node {
        final String name;
        final SimPostgres pg;
        final SimClock wall = new SimClock(steady);
        final SimFence fence = new SimFence(steady, wall, HaSettings.fenceMargin(ttl, LOOP_WAIT));
        InMemoryDcs client;
        HaAgent agent;
        Instant frozenUntil = Instant.MIN;
        /** When a killed agent starts again; null while it runs. */
        Instant restartAt;
        boolean cutOff;
        Instant nextCycle;

        Node(String name) {
            this.name = name;
            this.pg = new SimPostgres(name, SimWorld.this);
        }

        void startAgent() {
            client = store.anotherClient();
            client.cutOff = cutOff;
            agent = new HaAgent(settings(name), client, pg, null, wall, steady, line -> log(name + ": " + line), fence, false);
            restartAt = null;
        }

        boolean cycles(Instant now) {
            return agent != null && !now.isBefore(frozenUntil) && !now.isBefore(nextCycle);
        }
    }

    final long seed;
    final boolean synchronous;
    /** Every agent's lease. */
    final Duration ttl;
    private final Random random;
    private final SimClock steady = new SimClock(Instant.parse("2026-12-01T00:00:00Z"));
    private final InMemoryDcs store = new InMemoryDcs(ClusterState.empty());
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final List<String> log = new ArrayList<>();
    private final Instant start = steady.instant();
    private long ids;
    private int timelines = 1;

    private final Set<Long> acked = new HashSet<>();
    /** Commits on the writable node waiting for their acknowledgement: each id's position in its WAL. */
    private final Map<Long, Integer> pending = new LinkedHashMap<>();
    private String writer;
    private Instant etcdUpAt;
    /** Nodes cut off from etcd, until when. */
    private final Map<String, Instant> cutUntil = new LinkedHashMap<>();
    private final Map<Fault, Integer> faults = new EnumMap<>(Fault.class);
    private int writerChanges;
    /** Whether operators' restart requests are among the faults. */
    private final boolean restarts;
    /** Set when a node started a half-rewound data directory; checked after every event. */
    private String halfRewoundStarted;

    SimWorld(long seed, boolean synchronous, boolean restarts, Duration ttl) {
        this.ttl = ttl;
        this.seed = seed;
        this.synchronous = synchronous;
        this.restarts = restarts;
        this.random = new Random(seed);
        store.clock = steady;
        store.ttl = ttl;
        for (String name : NAMES) {
            Node n = new Node(name);
            nodes.put(name, n);
            n.startAgent();
            n.nextCycle = start.plusMillis(100L * random.nextInt(10));
        }
    }

    private HaSettings settings(String name) {
        return new HaSettings("sim", name, List.of(URI.create("http://etcd:2379")), ttl, LOOP_WAIT,
                "127.0.0.1", 8008, name, 5432, 1 << 20, synchronous, List.of(ReplicaMethod.BASEBACKUP),
                Bootstrap.INITDB, null);
    }

    // ---- what SimPostgres asks of the world ----

    long nextId() {
        return ++ids;
    }

    int nextTimeline() {
        return ++timelines;
    }

    SimPostgres node(String name) {
        Node n = nodes.get(name);
        return n == null ? null : n.pg;
    }

    /** The standbys whose walreceiver streams from {@code primary} now. */
    List<SimPostgres> streamingFrom(SimPostgres primary) {
        List<SimPostgres> out = new ArrayList<>();
        for (Node n : nodes.values()) {
            if (n.pg.streaming && primary.name.equals(n.pg.upstream)) {
                out.add(n.pg);
            }
        }
        return out;
    }

    /** PostgreSQL's priority rule for 'a, b': the first listed standby that streams is the synchronous one. */
    SimPostgres synchronousStandbyOf(SimPostgres primary) {
        List<SimPostgres> streaming = streamingFrom(primary);
        for (String name : standbyNames(primary.appliedStandbyNames)) {
            for (SimPostgres s : streaming) {
                if (s.name.equals(name)) {
                    return s;
                }
            }
        }
        return null;
    }

    static List<String> standbyNames(String setting) {
        List<String> names = new ArrayList<>();
        for (String part : setting.split(",")) {
            String p = part.trim();
            if (!p.isEmpty()) {
                names.add(p.startsWith("\"") ? p.substring(1, p.length() - 1).replace("\"\"", "\"") : p);
            }
        }
        return names;
    }

    /** Each standby streaming from {@code from} receives its WAL (all of it when {@code all}, else maybe not yet). */
    void shipTo(SimPostgres from, boolean all) {
        for (SimPostgres s : streamingFrom(from)) {
            if (all || random.nextInt(4) != 0) {
                s.wal.addAll(from.wal.subList(s.wal.size(), from.wal.size()));
                s.timeline = from.timeline;
            }
        }
    }

    // ---- the run ----

    /** Runs the whole scenario; throws {@link Violation} at the first broken invariant. */
    void run() {
        Instant faultsFrom = start.plus(BOOTSTRAP);
        Instant faultsUntil = faultsFrom.plus(FAULTS);
        Instant end = faultsUntil.plus(SETTLE);
        Instant nextFault = faultsFrom;
        while (steady.instant().isBefore(end)) {
            Instant now = steady.instant();
            if (now.isBefore(faultsUntil) && !now.isBefore(nextFault)) {
                inject();
                nextFault = now.plusMillis(3000 + random.nextInt(12000));
            }
            if (!now.isBefore(faultsUntil)) {
                healAll();
            }
            tick();
        }
        settled();
    }

    private void tick() {
        steady.advance(TICK);
        Instant now = steady.instant();
        heal(now);
        for (Node n : nodes.values()) {
            if (n.pg.running && n.fence.stops(n.agent != null)) {
                n.pg.stopImmediately();
                log(n.name + ": fence: the lease could expire: PostgreSQL stopped immediately");
                check();
            }
        }
        replicate();
        commit();
        List<Node> order = new ArrayList<>(nodes.values());
        Collections.shuffle(order, random);
        for (Node n : order) {
            if (n.cycles(now)) {
                n.nextCycle = now.plus(LOOP_WAIT);
                n.agent.cycle();
                check();
            }
        }
    }

    private void replicate() {
        for (Node n : nodes.values()) {
            SimPostgres s = n.pg;
            SimPostgres up = s.upstream == null ? null : node(s.upstream);
            s.streaming = s.running && s.inRecovery && up != null && up != s && up.running && s.prefixOf(up);
        }
        for (Node n : nodes.values()) {
            if (n.pg.running) {
                shipTo(n.pg, false);
            }
        }
    }

    /** The client: a commit now and then on the writable node, acknowledged as synchronous_standby_names says. */
    private void commit() {
        SimPostgres w = writer == null ? null : node(writer);
        if (w == null || !w.writable()) {
            pending.clear();
            return;
        }
        if (random.nextBoolean()) {
            long id = nextId();
            w.wal.add(id);
            pending.put(id, w.wal.size() - 1);
        }
        int received;
        if (standbyNames(w.appliedStandbyNames).isEmpty()) {
            received = w.wal.size(); // no synchronous standby set: PostgreSQL acknowledges at once
        } else {
            SimPostgres sync = synchronousStandbyOf(w);
            received = sync == null ? 0 : sync.wal.size();
        }
        pending.entrySet().removeIf(e -> {
            if (e.getValue() < received) {
                acked.add(e.getKey());
                return true;
            }
            return false;
        });
    }

    /**
     * A half-rewound data directory started is corruption nobody sees: a violation at the next
     * check (the agent's cycle would swallow an exception thrown here as an internal error).
     */
    void startedHalfRewound(String name) {
        if (halfRewoundStarted == null) {
            halfRewoundStarted = name + " started a data directory that a failed pg_rewind left half rewound";
        }
    }

    /** The invariants that must hold after every event. */
    private void check() {
        if (halfRewoundStarted != null) {
            throw violation(halfRewoundStarted);
        }
        List<Node> writable = nodes.values().stream().filter(n -> n.pg.writable()).toList();
        if (writable.size() > 1) {
            throw violation("split brain: " + writable.stream().map(n -> n.name).toList() + " are both writable");
        }
        String now = writable.isEmpty() ? null : writable.get(0).name;
        if (now != null && !now.equals(writer)) {
            writerChanges++;
            if (synchronous) {
                Set<Long> has = new HashSet<>(node(now).wal);
                List<Long> lost = acked.stream().filter(id -> !has.contains(id)).sorted().limit(5).toList();
                if (!lost.isEmpty()) {
                    throw violation(now + " became writable without acknowledged commits " + lost + " (of "
                            + acked.stream().filter(id -> !has.contains(id)).count() + ")");
                }
            }
        }
        if (now == null || !now.equals(writer)) {
            pending.clear();
        }
        writer = now;
    }

    private void settled() {
        List<Node> writable = nodes.values().stream().filter(n -> n.pg.writable()).toList();
        if (writable.size() != 1) {
            throw violation("not healthy " + SETTLE.toSeconds() + " s after the last fault: writable " + describe());
        }
        for (Node n : nodes.values()) {
            if (n != writable.get(0) && !(n.pg.streaming && writable.get(0).name.equals(n.pg.upstream))) {
                throw violation("not healthy " + SETTLE.toSeconds() + " s after the last fault: " + n.name
                        + " does not stream from " + writable.get(0).name + ": " + describe());
            }
        }
    }

    // ---- faults ----

    private void inject() {
        Fault f = Fault.values()[random.nextInt(Fault.values().length - (restarts ? 0 : 2))];
        Node target = target();
        Instant now = steady.instant();
        Duration d = Duration.ofMillis(500 + random.nextInt(19_500));
        faults.merge(f, 1, Integer::sum);
        log("FAULT " + f + " on " + target.name + " for " + d.toMillis() + " ms");
        switch (f) {
            case FREEZE_AGENT -> target.frozenUntil = later(target.frozenUntil, now.plus(d));
            case KILL_AGENT -> {
                if (target.agent != null) {
                    target.agent = null; // kill -9: no shutdown, the lease runs out, the fence keeps its order
                    target.restartAt = now.plus(d);
                }
            }
            case CRASH_POSTGRES -> target.pg.stopImmediately();
            case ETCD_DOWN -> {
                store.down = true;
                etcdUpAt = etcdUpAt != null && etcdUpAt.isAfter(now.plus(d)) ? etcdUpAt : now.plus(d);
            }
            case CUT_OFF -> {
                target.cutOff = true;
                target.client.cutOff = true;
                cutUntil.merge(target.name, now.plus(d), SimWorld::later);
            }
            case STEP_CLOCK -> target.wall.step(Duration.ofMillis((random.nextBoolean() ? 1 : -1)
                    * (1000L + random.nextInt(29_000))));
            case SWITCHOVER -> {
                String leader = store.leaderName();
                if (leader != null) {
                    List<String> others = NAMES.stream().filter(name -> !name.equals(leader)).toList();
                    String to = others.get(random.nextInt(others.size()));
                    try {
                        store.requestSwitchover(new Switchover(leader, to, now));
                        log("switchover " + leader + " -> " + to + " requested");
                    } catch (DcsException e) {
                        log("switchover not requested: " + e.getMessage());
                    }
                }
            }
            case RESTART -> {
                try {
                    store.requestRestart(target.name, now);
                    log("restart of " + target.name + " requested");
                } catch (DcsException e) {
                    log("restart not requested: " + e.getMessage());
                }
            }
            case BREAK_NEXT_REWIND -> target.pg.nextRewindBreaks = true;
            default -> throw new IllegalStateException(f.toString());
        }
        check();
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    /** The writable node two times in three (faults there matter most), else any node. */
    private Node target() {
        if (writer != null && random.nextInt(3) != 0) {
            return nodes.get(writer);
        }
        return nodes.get(NAMES.get(random.nextInt(NAMES.size())));
    }

    private void heal(Instant now) {
        if (etcdUpAt != null && !now.isBefore(etcdUpAt)) {
            store.down = false;
            etcdUpAt = null;
            log("etcd is back");
        }
        for (Node n : nodes.values()) {
            if (n.restartAt != null && !now.isBefore(n.restartAt)) {
                n.startAgent();
                n.nextCycle = now;
                log(n.name + ": agent started again");
            }
            Instant cut = cutUntil.get(n.name);
            if (cut != null && !now.isBefore(cut)) {
                cutUntil.remove(n.name);
                n.cutOff = false;
                n.client.cutOff = false;
                log(n.name + ": reaches etcd again");
            }
        }
    }

    private void healAll() {
        Instant now = steady.instant();
        if (etcdUpAt != null) {
            etcdUpAt = now;
        }
        for (Node n : nodes.values()) {
            if (n.frozenUntil.isAfter(now)) {
                n.frozenUntil = now;
            }
            if (n.restartAt != null) {
                n.restartAt = now;
            }
            cutUntil.replaceAll((k, v) -> now);
        }
    }

    // ---- reporting ----

    Map<Fault, Integer> faults() {
        return faults;
    }

    int acknowledged() {
        return acked.size();
    }

    int writerChanges() {
        return writerChanges;
    }

    private Violation violation(String what) {
        return new Violation("at " + elapsed() + ": " + what);
    }

    private String elapsed() {
        Duration d = Duration.between(start, steady.instant());
        return String.format(java.util.Locale.ROOT, "%d.%d s", d.toSeconds(), d.toMillisPart() / 100);
    }

    private void log(String line) {
        log.add(elapsed() + " " + line);
    }

    /** The last {@code n} lines of the run's log. */
    String tail(int n) {
        return String.join("\n", log.subList(Math.max(0, log.size() - n), log.size()));
    }

    private String describe() {
        StringBuilder b = new StringBuilder();
        for (Node n : nodes.values()) {
            SimPostgres p = n.pg;
            b.append(n.name).append(p.writable() ? " primary" : p.running ? " standby of " + p.upstream
                    + (p.streaming ? " (streaming)" : " (not streaming)") : p.hasData ? " stopped" : " empty")
                    .append(" tl ").append(p.timeline).append(" wal ").append(p.wal.size())
                    .append(n.agent == null ? " agent dead" : "").append("; ");
        }
        return b + "leader key " + store.leaderName();
    }
}
