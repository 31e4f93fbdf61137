package dev.pgvault.ha.agent;

import dev.pgvault.ha.Bootstrap;
import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.NodeState;
import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.LeaderPosition;
import dev.pgvault.ha.cluster.Member;
import dev.pgvault.ha.cluster.Role;
import dev.pgvault.ha.cluster.Switchover;
import dev.pgvault.ha.dcs.Dcs;
import dev.pgvault.ha.dcs.DcsException;
import dev.pgvault.ha.decide.Action;
import dev.pgvault.ha.decide.AgentMemory;
import dev.pgvault.ha.decide.Decider;
import dev.pgvault.ha.decide.Decision;
import dev.pgvault.ha.decide.Snapshot;
import dev.pgvault.ha.fence.AgentFence;
import dev.pgvault.ha.pg.Divergence;
import dev.pgvault.ha.pg.LocalPostgres;
import dev.pgvault.ha.pg.PgControlException;
import dev.pgvault.ha.pg.PgStatus;
import dev.pgvault.ha.pg.Repository;
import dev.pgvault.ha.pg.Upstream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One node's HA agent: every loop-wait it renews its lease, reads etcd and the local PostgreSQL,
 * asks {@link Decider} what to do, does it, publishes its member key and logs one line. A
 * {@link LeaseWatchdog} stops a writable PostgreSQL if a cycle ever runs so long that the lease
 * could expire under it.
 */
public final class HaAgent implements AutoCloseable {
    static final Duration START_TIMEOUT = Duration.ofMinutes(5);
    /** How often a standby that should stream and does not yet is looked at between cycles. */
    static final Duration STREAM_LOOK = Duration.ofMillis(100);
    /** How long after a cycle first saw it not streaming: a standby streams within moments of its start when it can at all. */
    static final Duration STREAM_WATCH = Duration.ofSeconds(5);
    /** How long after a switchover's request, beyond the ttl, its target looks for the old leader's final WAL between cycles. */
    static final Duration FINAL_WAL_WATCH = Duration.ofSeconds(10);

    private final HaSettings settings;
    private final Dcs dcs;
    private final LocalPostgres postgres;
    private final Repository repository;
    /** Wall time: what this node publishes and compares with other nodes' timestamps. */
    private final Clock clock;
    /** Real elapsed time: the lease and the agent's own waits. */
    private final Clock steady;
    private final Consumer<String> log;
    private final Seeder seeder;
    private final LeaseWatchdog watchdog;
    private final AgentFence fence;
    private final boolean fenceRequired;
    private final MemberReports reports = new MemberReports();
    private final SlotKeeper slots;
    private final HistoryRecorder history;

    private AgentMemory memory = AgentMemory.fresh();
    private final AgentLease lease;
    private final SyncStandbyKeeper sync;
    private boolean stanzaReady;
    private String lastDcsError;
    private volatile NodeState state;
    /** Released by etcd watches: a change of leader or a request ends the wait for the next cycle. */
    private final java.util.concurrent.Semaphore wakeups = new java.util.concurrent.Semaphore(0);
    private volatile boolean stopping;

    /**
     * @param clock the wall clock
     * @param steady a clock that never steps ({@link SteadyClock}), for the lease and waits
     */
    public HaAgent(HaSettings settings, Dcs dcs, LocalPostgres postgres, Repository repository, Clock clock,
            Clock steady, Consumer<String> log) {
        this(settings, dcs, postgres, repository, clock, steady, log, AgentFence.NONE, false);
    }

    /**
     * @param fence the fence process beside this agent ({@link AgentFence#NONE} for none)
     * @param fenceRequired PostgreSQL is made writable only while the fence runs
     */
    public HaAgent(HaSettings settings, Dcs dcs, LocalPostgres postgres, Repository repository, Clock clock,
            Clock steady, Consumer<String> log, AgentFence fence, boolean fenceRequired) {
        this.fence = fence;
        this.fenceRequired = fenceRequired;
        this.settings = settings;
        this.dcs = dcs;
        this.postgres = postgres;
        this.repository = repository;
        this.clock = clock;
        this.steady = steady;
        this.log = log;
        this.seeder = new Seeder(settings, postgres, repository, log);
        this.watchdog = new LeaseWatchdog(postgres, steady, clock, log, fence, settings.stopMargin());
        this.lease = new AgentLease(dcs, clock, steady, watchdog, log);
        this.sync = new SyncStandbyKeeper(settings, dcs, postgres, steady, log);
        this.slots = new SlotKeeper(settings, postgres, log);
        this.history = new HistoryRecorder(settings.name(), dcs, postgres, log);
    }

    /** The latest cycle's view, for the REST API; null before the first cycle ends. */
    public NodeState state() {
        NodeState s = state;
        // the lease's end as of this call, from both clocks: a wall clock stepped back since the
        // cycle ended must not let the API call this node the primary for longer
        return s == null ? null : s.withLeaseValidUntil(lease.onWallClock(clock.instant()));
    }

    /** Runs cycles until {@link #stop()}; then stops PostgreSQL and hands the leader key back. */
    public void run() {
        watchdog.start();
        // the watches on a thread of their own: setting them up costs a fresh JVM 0.15-0.25 s, which
        // the first decision (a rejoin's, a bootstrap's) need not wait for, while a first cycle that
        // rewinds or reseeds for minutes must not go without them
        Thread watches = new Thread(() -> {
            try {
                dcs.watch(wakeups::release);
            } catch (RuntimeException e) {
                log.accept("etcd: no watches (" + e + "); the agent cycles every loop-wait");
            }
        }, "pgvault-watch-setup");
        watches.setDaemon(true);
        watches.start();
        try {
            while (!stopping) {
                Instant began = steady.instant();
                wakeups.drainPermits(); // what changed before this cycle's read is seen by it
                try {
                    cycle();
                } catch (RuntimeException e) {
                    // a bug or a value this version cannot handle: keep cycling (the watchdog and
                    // the lease keep the node safe) rather than leave the cluster
                    log.accept("cycle failed with an internal error: " + e);
                }
                long rest = settings.loopWait().toMillis() - Duration.between(began, steady.instant()).toMillis();
                if (rest > 0 && !stopping) {
                    try {
                        pause(rest);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
        } finally {
            shutDown();
        }
    }

    /**
     * Waits up to {@code millis} for the next cycle, or until a watched key changes. A standby that
     * follows a leader and does not stream yet is looked at every {@link #STREAM_LOOK} meanwhile:
     * from the cycle that started it (or pointed it at a new leader) until {@link #STREAM_WATCH}
     * after the next cycle first saw it not streaming. Once it streams, the next cycle comes at
     * once, so the REST API and the cluster see it streaming within a tenth of a second rather
     * than a loop later. The same for a switchover's target until it has the old leader's final
     * WAL. Only a local status each time (etcd is not asked); one that hangs can hold the wait up
     * to the status query's own timeout.
     */
    private void pause(long millis) throws InterruptedException {
        long until = System.nanoTime() + millis * 1_000_000L;
        while (true) {
            boolean stream = awaitingStream();
            java.util.OptionalLong finalWal = awaitingFinalWal();
            if (!stream && finalWal.isEmpty()) {
                break;
            }
            long left = (until - System.nanoTime()) / 1_000_000L;
            if (left <= 0 || wakeups.tryAcquire(Math.min(left, STREAM_LOOK.toMillis()), TimeUnit.MILLISECONDS)) {
                return;
            }
            PgStatus now = postgres.status();
            if (stream && now.streaming()
                    || finalWal.isPresent() && Long.compareUnsigned(now.lsn(), finalWal.getAsLong()) > 0) {
                return;
            }
        }
        long left = (until - System.nanoTime()) / 1_000_000L;
        if (left > 0) {
            wakeups.tryAcquire(left, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * As the target of a switchover whose leader handed over, the leader's final WAL position not
     * received yet at the last cycle: looked at every {@link #STREAM_LOOK} until it is, so the key
     * is taken within a tenth of a second of the last byte instead of a loop later.
     */
    private java.util.OptionalLong awaitingFinalWal() {
        NodeState s = state;
        if (s == null || stopping || s.leader() || !s.pg().runningReplica() || s.cluster() == null
                || s.cluster().switchover() == null) {
            return java.util.OptionalLong.empty();
        }
        // a handover whose last bytes never come (its leader gone) is waited for at the usual pace
        // (the old leader's shutdown before its handover may take up to about the ttl)
        Duration since = Duration.between(s.cluster().switchover().requested(), clock.instant()).abs();
        if (since.compareTo(settings.ttl().plus(FINAL_WAL_WATCH)) > 0) {
            return java.util.OptionalLong.empty();
        }
        return Decider.finalWalAwaited(settings.name(), s.cluster(), s.pg());
    }

    private boolean awaitingStream() {
        NodeState s = state;
        if (s == null || stopping || memory.following() == null || !s.pg().runningReplica() || s.pg().streaming()) {
            return false;
        }
        Instant since = memory.notStreamingSince();
        if (since == null) {
            return true; // started (or pointed elsewhere) by the cycle that just ended
        }
        Duration waited = Duration.between(since, clock.instant());
        return !waited.isNegative() && waited.compareTo(STREAM_WATCH) < 0; // a clock stepped back: the usual pace
    }

    public void stop() {
        stopping = true;
        wakeups.release();
    }

    /** One cycle; public for tests that step the agent. */
    public void cycle() {
        // PostgreSQL first, etcd last: the status takes the longest (a connection or two, or
        // pg_controldata), and what etcd says is then as fresh as it can be when the decision is
        // made, so a handover or a lost leader is acted on one status sooner
        PgStatus pg = postgres.status();
        ClusterState cluster = null;
        try {
            lease.renew();
            cluster = reports.localize(dcs.read(), clock.instant());
            lastDcsError = null;
        } catch (DcsException e) {
            if (!e.getMessage().equals(lastDcsError)) {
                log.accept("etcd: " + e.getMessage());
                lastDcsError = e.getMessage();
            }
        }
        Instant now = clock.instant();
        Instant notStreaming = pg.runningReplica() && !pg.streaming()
                ? (memory.notStreamingSince() == null ? now : memory.notStreamingSince()) : null;
        memory = memory.withLease(lease.id(), lease.onWallClock(now)).withNotStreamingSince(notStreaming)
                .withFailedRewind(unfinishedRewind());

        Decision decision = Decider.decide(new Snapshot(settings, cluster, pg, memory, now));
        log.accept(decision.toString());
        boolean leader = false;
        try {
            leader = act(decision, cluster, pg);
            countStarts(decision.action(), null);
        } catch (PgControlException | DcsException e) {
            log.accept(decision.action() + " failed: " + e.getMessage());
            countStarts(decision.action(), e);
            leader = holdsKey(cluster);
        } catch (RuntimeException e) {
            // a bug in one action must not end the loop: the lease, the watchdog and the next
            // decision keep this node safe, and the log says what broke
            log.accept(decision.action() + " failed with an internal error: " + e);
            leader = holdsKey(cluster);
        }
        PgStatus after = decision.action() == Action.WAIT || decision.action() == Action.LEAD ? pg : postgres.status();
        // armed on what PostgreSQL is, not on what this cycle decided: a writable server is only
        // allowed while a lease is surely alive, whoever's lease and whatever the decision was
        watchdog.guard(after.runningPrimary(), lease.deadline());
        if (cluster != null) {
            slots.keep(cluster, leader, after);
            try {
                dcs.publish(member(after));
            } catch (DcsException e) {
                log.accept("etcd: " + e.getMessage());
            }
        }
        Instant end = clock.instant();
        state = new NodeState(settings.name(), leader, lease.onWallClock(end), after, cluster, decision.toString(), end);
    }

    /**
     * A pg_rewind that did not finish, as recorded beside the data directory (it outlives this
     * agent). A record that cannot be read counts as one: the directory may be half rewound.
     */
    private String unfinishedRewind() {
        try {
            return postgres.unfinishedRewind().orElse(null);
        } catch (PgControlException e) {
            return e.getMessage();
        }
    }

    /**
     * Keeps the counts of failed starts in a row, standby and primary: outcomes the next decisions
     * weigh. Only PostgreSQL's own failures count (etcd's say nothing of whether it starts); any
     * other action done ends a run of failed primary starts, as the server's state has moved on.
     */
    private void countStarts(Action action, Exception failure) {
        boolean succeeded = failure == null;
        boolean pgFailed = failure instanceof PgControlException;
        int standby = memory.failedStandbyStarts();
        if (action == Action.START_REPLICA) {
            standby = succeeded ? 0 : pgFailed ? standby + 1 : standby;
        } else if (succeeded && (action == Action.REWIND || action == Action.SEED || action == Action.RESEED
                || action == Action.RESEED_AFTER_REWIND)) {
            standby = 0;
        }
        int primary = memory.failedPrimaryStarts();
        if (action == Action.START_PRIMARY) {
            primary = succeeded ? 0 : pgFailed ? primary + 1 : primary;
        } else if (succeeded && action != Action.WAIT) {
            primary = 0;
        }
        memory = memory.withFailedStandbyStarts(standby).withFailedPrimaryStarts(primary);
    }

    private interface PgAction {
        void run() throws PgControlException, DcsException;
    }

    /**
     * A start or a promotion that makes PostgreSQL writable. First the lease is renewed (this
     * node must still own the lease its key is bound to) and the watchdog armed; then the same
     * lease is renewed every loop-wait while the action runs, because crash recovery or the end
     * of a long replay can outlast the ttl, and a primary stopped by its own watchdog each time
     * would never come up. Holding a live lease is holding the key, so no other node can be
     * promoted meanwhile; the renewals stop when the action ends, after {@link #START_TIMEOUT}
     * (pg_ctl's own bound) at most, or as soon as the lease turns out lost.
     */
    private void becomeWritable(PgAction action) throws PgControlException, DcsException {
        becomeWritable(lease.id(), action);
    }

    /**
     * As {@link #becomeWritable(PgAction)}, on lease {@code id} as the cycle held it: a renewal
     * made since (a restart's keeper) may have found it gone and been granted another lease,
     * which holds no key.
     */
    private void becomeWritable(long id, PgAction action) throws PgControlException, DcsException {
        lease.renew();
        if (id == 0 || lease.id() != id) {
            throw new DcsException("the lease had expired, and the leader key with it: PostgreSQL is not made writable");
        }
        watchdog.guard(true, lease.deadline()); // also starts the fence when none runs
        if (fenceRequired && !awaitFence()) {
            throw new PgControlException("ha.watchdog is required and no fence process runs beside this agent"
                    + " (see the fence log beside the data directory): PostgreSQL is not made writable");
        }
        if (fenceRequired) {
            lease.renew(); // the wait for the fence (up to 2 s) comes out of a short lease's 4 s otherwise
        }
        try (AgentLease.Keeper kept = lease.keepAlive(id, settings.loopWait(), START_TIMEOUT)) {
            action.run();
        }
    }

    /**
     * A restarting primary's fast shutdown, its lease renewed every loop-wait meanwhile: the key
     * stays this node's through the restart, and on a short lease a shutdown's 3 s would
     * otherwise run into the watchdog's immediate stop (1 s before a 4 s lease could end).
     */
    private void stopKeepingTheLease(long id) throws PgControlException {
        if (id == 0) {
            postgres.stop(HaSettings.STOP_BUDGET);
            return;
        }
        try (AgentLease.Keeper kept = lease.keepAlive(id, settings.loopWait(),
                HaSettings.STOP_BUDGET.plus(settings.loopWait()), "stopping for a restart")) {
            postgres.stop(HaSettings.STOP_BUDGET);
        }
    }

    /** Whether a fence runs, giving one just started two seconds to take its lock. */
    private boolean awaitFence() {
        Instant until = steady.instant().plusSeconds(2);
        while (!fence.running()) {
            if (steady.instant().isAfter(until)) {
                return false;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /**
     * Starts a PostgreSQL configured as a standby. It will not be writable, so the watchdog is
     * disarmed first: else, armed by a lease that lapsed while this cycle demoted, it would stop
     * the read-only start it has no reason to fear.
     */
    private void startReadOnly() throws PgControlException {
        watchdog.guard(false, lease.deadline());
        postgres.start(START_TIMEOUT);
    }

    /** Whether the watchdog would stop PostgreSQL on a lapsing lease; for tests. */
    boolean watchdogArmed() {
        return watchdog.armed();
    }

    /** Whether the leader key read this cycle is this agent's: what a failed action leaves in place. */
    private boolean holdsKey(ClusterState cluster) {
        return cluster != null && cluster.leader() != null && cluster.leader().name().equals(settings.name())
                && cluster.leader().leaseId() == memory.leaseId();
    }

    /** Does what the decision says; returns whether this node holds the leader key afterwards. */
    private boolean act(Decision d, ClusterState cluster, PgStatus pg) throws PgControlException, DcsException {
        Upstream up = d.target() == null ? null
                : new Upstream(d.target().name(), d.target().host(), d.target().port(), slots.slotOf(settings.name(), cluster));
        String me = settings.name();
        switch (d.action()) {
            case WAIT -> {
                return false;
            }
            case INITIALIZE -> {
                return initialize(cluster, pg);
            }
            case SEED -> {
                announce("seeding");
                seeder.seed(up);
                startStandby(up);
                return false;
            }
            case START_REPLICA -> {
                startStandby(up);
                return cluster != null && cluster.leader() != null && cluster.leader().name().equals(me);
            }
            case START_PRIMARY -> {
                postgres.configure(false, null, sync.namesForStart(cluster));
                // a failure (or a server still recovering after START_TIMEOUT) is counted: the next
                // decision hands the key to a replica that can take over, if there is one
                becomeWritable(() -> postgres.start(START_TIMEOUT));
                return true;
            }
            case HAND_OVER -> {
                // whatever the failed start left running (crash recovery, say) may never become writable
                postgres.stopImmediately();
                watchdog.guard(false, lease.deadline());
                dcs.releaseLeader(me);
                return false;
            }
            case STOP -> {
                postgres.stopImmediately();
                watchdog.guard(false, lease.deadline());
                if (holdsKey(cluster)) {
                    dcs.releaseLeader(me);
                }
                return false;
            }
            case FOLLOW -> {
                postgres.configure(true, up, "");
                postgres.reload();
                follow(up.name());
                return false;
            }
            case REWIND -> {
                announce("rewinding");
                rewind(up, pg);
                return false;
            }
            case RESEED_AFTER_REWIND -> {
                if (postgres.status().running()) {
                    postgres.stop(HaSettings.STOP_BUDGET);
                }
                announce("seeding");
                if (seeder.reseedInPlace(up)) {
                    postgres.forgetUnfinishedRewind();
                } else {
                    // the half-rewound directory goes aside, and its record with it: a seed that
                    // fails now leaves an empty directory, which the next decisions seed like any other
                    if (postgres.status().hasData()) {
                        log.accept("old data directory kept at " + postgres.moveAside());
                    } else {
                        postgres.forgetUnfinishedRewind(); // nothing left to move (an agent died moving it)
                    }
                    seeder.seed(up);
                }
                memory = memory.withFailedRewind(null);
                startStandby(up);
                if (cluster.reinit().contains(me)) {
                    dcs.clearReinit(me); // an operator's reinit is done by this seed too
                }
                return false;
            }
            case RESTART -> {
                // "restarting" is said before the request is taken, so whoever sees the request gone
                // never reads the report from before the restart; the request is taken before acting
                // on it: an agent that dies mid-restart leaves a stopped PostgreSQL that its next cycle
                // starts, not a request that restarts it again
                announce("restarting");
                dcs.clearRestart(me);
                if (pg.runningPrimary()) {
                    long id = lease.id();
                    stopKeepingTheLease(id);
                    becomeWritable(id, () -> postgres.start(START_TIMEOUT));
                    return true;
                }
                postgres.stop(HaSettings.STOP_BUDGET);
                postgres.start(START_TIMEOUT);
                return false;
            }
            case RESEED -> {
                postgres.stop(HaSettings.STOP_BUDGET);
                announce("seeding");
                if (!seeder.reseedInPlace(up)) {
                    postgres.removeData();
                    seeder.seed(up);
                }
                startStandby(up);
                dcs.clearReinit(me);
                return false;
            }
            case ACQUIRE -> {
                if (!dcs.acquireLeader(me)) {
                    log.accept("the leader key was taken by another node first");
                    return false;
                }
                takeOver(cluster, pg);
                return true;
            }
            case PROMOTE -> {
                takeOver(cluster, pg);
                return true;
            }
            case LEAD -> {
                lead(cluster, pg);
                return true;
            }
            case DEMOTE -> {
                demote(up);
                return false;
            }
            case STEP_DOWN -> {
                return stepDown(up, cluster.switchover());
            }
            case CANCEL_SWITCHOVER -> {
                dcs.clearSwitchover();
                memory = memory.withFailedHandover(null);
                return cluster.leader() != null && cluster.leader().name().equals(me);
            }
            case ADOPT_LEASE -> {
                lease.adopt(cluster.leader().leaseId());
                memory = memory.withLease(lease.id(), lease.onWallClock(clock.instant()));
                return true;
            }
            case RELEASE -> {
                dcs.releaseLeader(me);
                return false;
            }
            default -> throw new IllegalStateException("unhandled action " + d.action());
        }
    }

    private boolean initialize(ClusterState cluster, PgStatus pg) throws PgControlException, DcsException {
        String me = settings.name();
        if (!dcs.claimInitialize(me) && !me.equals(cluster.initializedBy())) {
            log.accept("another node claimed the cluster first");
            return false;
        }
        if (pg.hasData()) {
            // existing data (etcd lost its keys, or a cluster brought under HA): claim the cluster,
            // then let the ordinary election decide which node leads, with all its checks
            dcs.completeInitialize(me, pg.systemIdentifier());
            log.accept("claimed the cluster with the existing data directory; the election decides the leader");
            return false;
        }
        try {
            if (settings.bootstrap() == Bootstrap.REPOSITORY) {
                restoreFromRepository();
            } else {
                postgres.initdb();
            }
            postgres.configure(false, null, "");
            sync.waitingForNone();
            sync.emptySyncSet(); // this node will acknowledge commits alone: say so before it can
            if (!postgres.status().running()) {
                postgres.start(START_TIMEOUT);
            }
            awaitEndOfRecovery();
        } catch (PgControlException e) {
            dcs.abandonInitialize(me); // let another node (or the next cycle) try again
            throw e;
        }
        if (!dcs.acquireLeader(me)) {
            log.accept("bootstrapped, but another node holds the leader key");
            return false;
        }
        dcs.completeInitialize(me, postgres.status().systemIdentifier());
        initStanza();
        return true;
    }

    /** Bootstrap from the repository: the newest backup, then every archived WAL file after it. */
    private void restoreFromRepository() throws PgControlException {
        if (repository == null) {
            throw new PgControlException("bootstrap: repository needs a repository in the configuration");
        }
        announce("restoring");
        log.accept("bootstrap: restoring the newest backup, then replaying the archive to its end");
        repository.restoreLatest(Seeder.TIMEOUT);
    }

    /**
     * Archive recovery (a restored cluster) ends by itself once the archive runs out; promoting
     * earlier would drop the WAL not yet replayed. Waits for it, keeping the lease alive.
     */
    private void awaitEndOfRecovery() throws PgControlException {
        if (!java.nio.file.Files.exists(postgres.dataDirectory().resolve("recovery.signal"))) {
            return;
        }
        Instant deadline = steady.instant().plus(Seeder.TIMEOUT);
        Instant nextReport = Instant.MIN;
        while (true) {
            PgStatus s = postgres.status();
            if (s.runningPrimary()) {
                log.accept("bootstrap: archive recovery ended on timeline " + s.timeline());
                return;
            }
            if (!s.running() && !java.nio.file.Files.exists(postgres.dataDirectory().resolve("postmaster.pid"))) {
                throw new PgControlException("PostgreSQL stopped during archive recovery; see its log");
            }
            if (steady.instant().isAfter(deadline)) {
                throw new PgControlException("archive recovery did not end within " + Seeder.TIMEOUT.toHours() + " h");
            }
            if (steady.instant().isAfter(nextReport)) {
                log.accept("bootstrap: replaying the archive, at " + new dev.pgvault.archiver.wal.Lsn(s.lsn()));
                nextReport = steady.instant().plusSeconds(10);
            }
            try {
                lease.renew();
            } catch (DcsException e) {
                log.accept("etcd: " + e.getMessage());
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PgControlException("interrupted during archive recovery");
            }
        }
    }

    private void initStanza() {
        if (stanzaReady || repository == null) {
            return;
        }
        try {
            repository.initStanza();
            stanzaReady = true;
        } catch (PgControlException e) {
            log.accept("repository: " + e.getMessage() + " (archiving fails until this works; retrying)");
        }
    }

    private void startStandby(Upstream up) throws PgControlException {
        postgres.configure(true, up, "");
        startReadOnly();
        follow(up == null ? null : up.name());
    }

    private void follow(String leader) {
        memory = memory.following(leader);
    }

    private void rewind(Upstream up, PgStatus pg) throws PgControlException {
        if (pg.running()) {
            postgres.stop(HaSettings.STOP_BUDGET);
        }
        long began = System.nanoTime();
        // a crashed primary whose WAL ends at or before the new timeline's fork follows as it is:
        // no crash recovery (its end-of-recovery checkpoint would be WAL past the fork) and no pg_rewind
        Optional<Divergence> divergence = postgres.divergence(up);
        if (divergence.isPresent() && !divergence.get().diverged()) {
            log.accept(String.format("no pg_rewind needed (checked in %.2f s): %s", (System.nanoTime() - began) / 1e9,
                    divergence.get().why()));
            startStandby(up);
            return;
        }
        divergence.ifPresent(d -> log.accept("pg_rewind needed: " + d.why()));
        String recovered = "";
        if (postgres.status().crashed()) {
            log.accept("crash recovery in single-user mode before pg_rewind");
            postgres.crashRecovery(START_TIMEOUT);
            recovered = String.format("crash recovery %.2f s, ", (System.nanoTime() - began) / 1e9);
            began = System.nanoTime();
        }
        postgres.configure(true, up, ""); // pg_rewind --restore-target-wal reads restore_command from it
        try {
            postgres.rewind(up, START_TIMEOUT);
        } catch (PgControlException e) {
            // the record beside the data directory tells: present, the directory may be half
            // rewound, and the next decisions replace it and never start it; absent (the source
            // could not be reached, say), nothing was changed and the next decision tries again
            // rather than give up a data directory over a network hiccup
            String unfinished = unfinishedRewind();
            if (unfinished == null) {
                throw e;
            }
            log.accept("pg_rewind failed: " + e.getMessage());
            memory = memory.withFailedRewind(unfinished);
            return;
        }
        // the two durations: a rejoin's time goes mostly here, and the next change needs to know where
        log.accept(String.format("pg_rewind against %s done (%spg_rewind %.2f s)", up.name(), recovered,
                (System.nanoTime() - began) / 1e9));
        startStandby(up);
    }

    /** This node holds the key: make PostgreSQL writable, reset synchronous state, drop satisfied requests. */
    private void takeOver(ClusterState cluster, PgStatus pg) throws PgControlException, DcsException {
        if (pg.inRecovery()) {
            becomeWritable(() -> {
                sync.emptySyncSet(); // only once the lease is known to be still ours
                postgres.promote(START_TIMEOUT);
            });
        } else {
            sync.emptySyncSet();
        }
        postgres.configure(false, null, "");
        postgres.reload();
        sync.waitingForNone();
        follow(null);
        String me = settings.name();
        if (cluster.switchover() != null && cluster.switchover().to().equals(me)) {
            dcs.clearSwitchover();
        }
        if (cluster.failover() != null && cluster.failover().to().equals(me)) {
            dcs.clearFailover();
        }
        PgStatus now = postgres.status();
        dcs.publishLeaderPosition(new LeaderPosition(me, now.timeline(), now.lsn()));
        if (pg.inRecovery()) {
            history.record(now.timeline(), HistoryRecorder.promotionReason(me, cluster), clock.instant());
        }
        initStanza();
    }

    private void lead(ClusterState cluster, PgStatus pg) throws PgControlException, DcsException {
        String me = settings.name();
        dcs.publishLeaderPosition(new LeaderPosition(me, pg.timeline(), pg.lsn()));
        // a promotion this run did not record: a restored cluster bootstrapped on a new timeline, or
        // an agent stopped between promoting and recording (a record made at the promotion stays)
        history.record(pg.timeline(), "found leading on it; the promotion was not recorded when it happened", null);
        if (me.equals(cluster.initializedBy())) {
            dcs.completeInitialize(me, pg.systemIdentifier()); // a bootstrap interrupted before it said so
        }
        if (cluster.reinit().contains(me)) {
            log.accept("dropping a reinit request for this node: the leader is never reseeded");
            dcs.clearReinit(me);
        }
        if (cluster.failover() != null) {
            // a manual failover is for a cluster without a healthy leader, and this one is
            log.accept("dropping the manual failover request to " + cluster.failover().to()
                    + ": the leader is healthy; a switchover moves it");
            dcs.clearFailover();
        }
        initStanza();
        sync.keep(cluster);
    }

    private void demote(Upstream up) throws PgControlException {
        postgres.stop(HaSettings.STOP_BUDGET);
        try {
            dcs.releaseLeader(settings.name());
        } catch (DcsException e) {
            // unreachable etcd: the lease expires on its own
        }
        sync.forget();
        startStandby(up);
    }

    /**
     * Planned switchover: a clean shutdown sends all WAL to the standbys; the final position (its
     * shutdown checkpoint, published as soon as it is written, before the archiver's last calls
     * end) is published as handed over, and the target takes the key only once it has received it. A
     * shutdown that did not finish cleanly within the lease (it became an immediate one) may have
     * left WAL the standbys lack: this node keeps the key, and the outcome is remembered, so that
     * the next decisions start it again as the primary and cancel {@code switchover}.
     */
    private boolean stepDown(Upstream target, Switchover switchover) throws PgControlException, DcsException {
        // on a short lease no floor: a 3 s shutdown would outlast the watchdog's stop (1 s before the
        // lease renewed at this cycle's start could end), and a slower handover is then cancelled
        Duration budget = settings.ttl().minus(settings.demoteMargin()).plus(settings.stopMargin()).minusSeconds(1);
        Duration floor = settings.shortLease() ? Duration.ZERO : HaSettings.STOP_BUDGET;
        Instant stopBy = steady.instant().plus(budget.compareTo(floor) > 0 ? budget : floor);
        PgStatus stopped = postgres.stopForHandover(Duration.between(steady.instant(), stopBy));
        if (stopped.crashed() || stopped.lsn() == 0) {
            log.accept("switchover to " + target.name() + ": the shutdown was not clean, so " + target.name()
                    + " may lack WAL; keeping the leader key");
            postgres.stop(HaSettings.STOP_BUDGET);
            memory = memory.withFailedHandover(switchover);
            return true;
        }
        dcs.publishLeaderPosition(new LeaderPosition(settings.name(), stopped.timeline(), stopped.lsn(), true));
        postgres.configure(true, target, "");
        dcs.releaseLeader(settings.name());
        // the postmaster's exit, after its archiver's last calls: the rest of the shutdown's budget
        Duration rest = Duration.between(steady.instant(), stopBy);
        postgres.stop(rest.compareTo(HaSettings.STOP_BUDGET) > 0 ? rest : HaSettings.STOP_BUDGET);
        sync.forget();
        startReadOnly();
        follow(target.name());
        return false;
    }

    /** Publishes a long action's state word ("seeding", "rewinding") before it starts, for ha list. */
    private void announce(String word) {
        Member m = member(postgres.status());
        try {
            dcs.publish(new Member(m.name(), m.apiUrl(), m.host(), m.port(), m.role(), word, m.timeline(), m.lsn(),
                    false, m.updated(), m.tags()));
        } catch (DcsException e) {
            log.accept("etcd: " + e.getMessage());
        }
    }

    private Member member(PgStatus pg) {
        Role role = Role.of(pg);
        String apiHost = settings.apiHost().equals("0.0.0.0") || settings.apiHost().equals("::")
                ? settings.connectHost() : settings.apiHost();
        return new Member(settings.name(), settings.apiScheme() + "://" + apiHost + ":" + settings.apiPort(), settings.connectHost(),
                settings.connectPort(), role, pg.running() ? "running" : "stopped", pg.timeline(), pg.lsn(),
                pg.streaming(), clock.instant(), settings.tags());
    }

    /** Agent shutdown (SIGTERM): stop PostgreSQL cleanly, then hand the key back so failover is immediate. */
    private void shutDown() {
        watchdog.close();
        NodeState last = state;
        try {
            postgres.stop(HaSettings.STOP_BUDGET);
            fence.retire(); // stopped: nothing left to fence
        } catch (PgControlException e) {
            // the fence keeps its last order: a primary left running is stopped before its lease ends
            log.accept("stopping PostgreSQL failed: " + e.getMessage());
        }
        if (last != null && last.leader()) {
            try {
                dcs.releaseLeader(settings.name());
                log.accept("released the leader key");
            } catch (DcsException e) {
                log.accept("etcd: " + e.getMessage() + " (the leader key expires with the lease)");
            }
        }
    }

    @Override
    public void close() {
        stop();
    }
}
