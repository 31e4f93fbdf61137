package dev.pgvault.ha.decide;

import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.Failover;
import dev.pgvault.ha.cluster.LeaderPosition;
import dev.pgvault.ha.cluster.Member;
import dev.pgvault.ha.cluster.Role;
import dev.pgvault.ha.cluster.Switchover;
import dev.pgvault.ha.pg.PgStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The HA decision: a pure function of a {@link Snapshot}. It never blocks and has no side effects,
 * so every situation the agent can meet is a unit test away.
 *
 * <p>The safety rules, in order: a node that cannot prove its lease is alive for a while longer
 * stops accepting writes; only the holder of the leader key runs a writable PostgreSQL; a replica
 * takes the key only when no fresh member is ahead of it, it is within maximum-lag-on-failover
 * of the last published leader position, and (in synchronous mode) it is one of the members that
 * may hold acknowledged commits.
 */
public final class Decider {
    /** A switchover or manual failover request older than this is ignored (and dropped by the leader). */
    static final Duration REQUEST_LIFETIME = Duration.ofSeconds(60);
    /** How long a standby may fail to stream from a leader on a newer timeline before it is rewound. */
    static final Duration REWIND_AFTER = Duration.ofSeconds(10);
    /** Failed starts of a stopped standby, a leader on a newer timeline, before it is rewound. */
    static final int FAILED_STARTS_BEFORE_REWIND = 3;

    private Decider() {}

    public static Decision decide(Snapshot s) {
        if (s.memory().failedRewind() != null) {
            return afterFailedRewind(s);
        }
        if (s.cluster() == null) {
            return etcdUnreachable(s);
        }
        ClusterState c = s.cluster();
        String me = s.settings().name();
        boolean mine = c.leader() != null && c.leader().name().equals(me);
        if (mine && c.leader().leaseId() != s.memory().leaseId()) {
            return Decision.of(Action.ADOPT_LEASE, "the leader key names this node under lease "
                    + Long.toHexString(c.leader().leaseId()) + " of an earlier run of its agent");
        }
        if (mine && !s.pg().running() && c.switchover() != null && c.switchover().equals(s.memory().failedHandover())
                && leaseSafe(s)) {
            // the shutdown for that switchover ran over its budget: this node kept the key, and comes
            // back as the primary it was, whatever pg_control says ("shutting down" after an immediate
            // stop during the checkpoint) and in maintenance mode too, as before the request
            return Decision.of(Action.START_PRIMARY, "the shutdown for the switchover to " + c.switchover().to()
                    + " was not clean: starting again as the primary");
        }
        if (c.paused()) {
            return paused(s);
        }
        if (c.leader() == null) {
            return noLeader(s);
        }
        if (mine) {
            return leading(s);
        }
        return following(s);
    }

    /**
     * Maintenance mode ({@code ha pause}): no automatic action, as Patroni's pause. The leader keeps
     * its key while PostgreSQL runs as the primary, and releases it rather than start or promote
     * PostgreSQL again; a lease that could expire still demotes it, and the fence stays armed, so
     * pausing never opens the way to two primaries. Nobody else takes the key unless an operator
     * asks (a switchover, a manual failover), and a reinit request is still carried out.
     */
    private static Decision paused(Snapshot s) {
        ClusterState c = s.cluster();
        PgStatus pg = s.pg();
        String me = s.settings().name();
        String why = "maintenance mode since " + c.pausedSince() + ": ";
        if (c.leader() != null && c.leader().name().equals(me)) {
            if (!pg.runningPrimary()) {
                return Decision.of(Action.RELEASE, why + "PostgreSQL is not running as the primary: releasing the"
                        + " leader key instead of starting or promoting it");
            }
            return leading(s);
        }
        if (c.leader() != null) {
            Member leader = c.members().get(c.leader().name());
            if (c.reinit().contains(me) && !pg.runningPrimary() && leader != null && leader.role() == Role.PRIMARY) {
                return Decision.of(Action.RESEED, leader, why + "reinit requested: seeding again from " + leader.name());
            }
            if (c.restart().contains(me) && pg.runningReplica()) {
                return Decision.of(Action.RESTART, why + "restart requested: restarting the standby");
            }
        } else if (pg.runningReplica() && !s.settings().tags().noFailover()) {
            Optional<Decision> requested = requested(s);
            if (requested.isPresent()) {
                return requested.get();
            }
        }
        if (pg.runningPrimary()) {
            return Decision.of(Action.WAIT, why + "a primary without the leader key, left running");
        }
        return Decision.of(Action.WAIT, why + "no automatic action (" + describe(pg) + ")");
    }

    /**
     * A pg_rewind that did not finish may have left the data directory half rewound: it is never
     * started again (not even read-only before a leader race), and stopped at once if anything
     * started it; this node leads with it never. It is replaced by a copy of a running primary;
     * without one to copy from, the node waits. Before every other rule, the safety rules
     * included: their answers (a demotion restarts PostgreSQL as a standby) would start it.
     */
    private static Decision afterFailedRewind(Snapshot s) {
        ClusterState c = s.cluster();
        String me = s.settings().name();
        String why = "pg_rewind did not finish (" + s.memory().failedRewind() + "): ";
        if (s.pg().running()) {
            return Decision.of(Action.STOP, why + "stopping the PostgreSQL that runs on the data directory");
        }
        if (c == null) {
            return Decision.of(Action.WAIT, why + "etcd unreachable; the data directory is not started");
        }
        if (c.leader() != null && c.leader().name().equals(me)) {
            return Decision.of(Action.RELEASE, why + "releasing the leader key: this node cannot lead with it");
        }
        if (c.paused() && !c.reinit().contains(me)) {
            return Decision.of(Action.WAIT, why + "maintenance mode since " + c.pausedSince()
                    + "; the data directory is not started, and is seeded again after ha resume or on ha reinit");
        }
        Member leader = c.leader() == null ? null : c.members().get(c.leader().name());
        if (leader == null || !runsAsPrimary(leader)) {
            return Decision.of(Action.WAIT, why + "the data directory is not started; waiting for a leader running"
                    + " as primary to seed it from");
        }
        return Decision.of(Action.RESEED_AFTER_REWIND, leader, why + (s.settings().reseedDelta()
                ? "bringing the data directory back in place from the repository (ha.reseed-delta), or seeding"
                        + " again from " + leader.name()
                : "moving the data directory aside and seeding again from " + leader.name()));
    }

    private static Decision etcdUnreachable(Snapshot s) {
        PgStatus pg = s.pg();
        if (!pg.runningPrimary()) {
            return Decision.of(Action.WAIT, "etcd unreachable; nothing to do as " + describe(pg));
        }
        if (leaseSafe(s)) {
            return Decision.of(Action.WAIT, "etcd unreachable; the lease holds until "
                    + s.memory().leaseValidUntil() + ", retrying");
        }
        return Decision.of(Action.DEMOTE, "etcd unreachable and the lease could expire at "
                + s.memory().leaseValidUntil() + ": demoting so that no other primary can overlap with this one");
    }

    /** The lease is certainly alive for one more cycle, one more request and a shutdown. */
    private static boolean leaseSafe(Snapshot s) {
        Instant until = s.memory().leaseValidUntil();
        return until != null && s.now().plus(s.settings().demoteMargin()).isBefore(until);
    }

    private static Decision leading(Snapshot s) {
        PgStatus pg = s.pg();
        if (!leaseSafe(s)) {
            return Decision.of(Action.DEMOTE, "the lease could not be renewed and could expire at "
                    + s.memory().leaseValidUntil() + ": demoting");
        }
        if (!pg.hasData()) {
            return Decision.of(Action.RELEASE, "holding the leader key without a data directory");
        }
        if (s.memory().failedPrimaryStarts() > 0 && !pg.runningPrimary()) {
            // while this node holds the key nobody else can serve: a replica the election would
            // let take over is handed the key; without one this node keeps trying itself
            Optional<String> heir = heir(s);
            if (heir.isPresent()) {
                return Decision.of(Action.HAND_OVER, "PostgreSQL did not start as the primary ("
                        + s.memory().failedPrimaryStarts() + (s.memory().failedPrimaryStarts() == 1 ? " time" : " times")
                        + "); " + heir.get() + " can take over: stopping it and releasing the leader key");
            }
        }
        if (!pg.running()) {
            return pg.wasPrimary()
                    ? Decision.of(Action.START_PRIMARY, "holding the leader key; PostgreSQL is stopped")
                    : Decision.of(Action.START_REPLICA, "holding the leader key; starting the standby before promoting it");
        }
        if (pg.inRecovery()) {
            return Decision.of(Action.PROMOTE, "holding the leader key; promoting the standby");
        }
        if (s.cluster().restart().contains(s.settings().name())) {
            return Decision.of(Action.RESTART, "restart requested: restarting the primary, keeping the leader key");
        }
        Switchover sw = s.cluster().switchover();
        if (sw != null && sw.equals(s.memory().failedHandover())) {
            // the shutdown for this very request was not clean: the target may lack WAL that this
            // node wrote, so it never takes over on it; a new request is judged afresh
            return Decision.of(Action.CANCEL_SWITCHOVER, "switchover to " + sw.to() + " cancelled: the shutdown"
                    + " for it was not clean, so " + sw.to() + " may lack WAL; leading on");
        }
        if (sw != null && sw.from() != null && !sw.from().equals(s.settings().name())) {
            // its target would not take a handover from this node (it waits for sw.from's), so
            // stepping down would only bounce the primary on a new timeline, again and again
            return Decision.of(Action.CANCEL_SWITCHOVER, "switchover from " + sw.from() + " to " + sw.to()
                    + ": " + sw.from() + " no longer leads; dropped");
        }
        if (sw != null && !sw.to().equals(s.settings().name())) {
            Member target = s.cluster().members().get(sw.to());
            if (stale(sw.requested(), s.now())) {
                return Decision.of(Action.CANCEL_SWITCHOVER, target, "switchover to " + sw.to() + " requested at "
                        + sw.requested() + " did not happen within " + REQUEST_LIFETIME.toSeconds() + " s; dropped");
            }
            String unfit = unfitForSwitchover(s, target, sw.to());
            if (unfit == null) {
                return Decision.of(Action.STEP_DOWN, target, "switchover to " + sw.to() + " requested");
            }
            return Decision.of(Action.LEAD, target, "primary on timeline " + pg.timeline() + " at " + lsn(pg.lsn())
                    + "; switchover to " + sw.to() + " waits: " + unfit);
        }
        if (sw != null) {
            return Decision.of(Action.CANCEL_SWITCHOVER, "switchover to this node, which already leads; dropped");
        }
        return Decision.of(Action.LEAD, "primary on timeline " + pg.timeline() + " at " + lsn(pg.lsn())
                + "; lease renewed");
    }

    /** Null when the target can take over now; else why not. */
    private static String unfitForSwitchover(Snapshot s, Member target, String name) {
        if (target == null) {
            return name + " is not a member";
        }
        if (!target.runningReplica() || !target.streaming()) {
            return name + " is not a streaming replica";
        }
        if (!fresh(target, s)) {
            return name + " has not reported since " + target.updated();
        }
        if (target.timeline() != s.pg().timeline()) {
            // not streaming from this primary (its report is of an earlier leader's stream): it
            // would wait for a final WAL it cannot receive while nobody leads
            return name + " is on timeline " + target.timeline() + ", not this primary's " + s.pg().timeline();
        }
        if (target.tags().noFailover()) {
            return name + " is tagged nofailover";
        }
        if (s.settings().synchronous() && !s.cluster().syncStandbys().isEmpty()
                && !s.cluster().syncStandbys().contains(name)) {
            return name + " is not the synchronous standby " + s.cluster().syncStandbys();
        }
        long behind = s.pg().lsn() - target.lsn();
        if (behind > s.settings().maximumLagOnFailover()) {
            return name + " is " + behind + " bytes behind";
        }
        return null;
    }

    private static Decision following(Snapshot s) {
        ClusterState c = s.cluster();
        PgStatus pg = s.pg();
        String leaderName = c.leader().name();
        Member leader = c.members().get(leaderName);
        if (pg.runningPrimary()) {
            return Decision.of(Action.DEMOTE, leader, leaderName + " holds the leader key: demoting this primary");
        }
        if (c.reinit().contains(s.settings().name())) {
            if (leader == null || leader.role() != Role.PRIMARY) {
                return Decision.of(Action.WAIT, "reinit requested; waiting for leader " + leaderName + " to run as primary");
            }
            return Decision.of(Action.RESEED, leader, "reinit requested: seeding again from " + leaderName);
        }
        if (leader == null) {
            return Decision.of(Action.WAIT, leaderName + " holds the leader key but has not published its member key yet");
        }
        if (!pg.hasData()) {
            if (!runsAsPrimary(leader)) {
                return Decision.of(Action.WAIT, "empty data directory; waiting for leader " + leaderName + " to run as primary");
            }
            return Decision.of(Action.SEED, leader, "empty data directory: seeding from leader " + leaderName);
        }
        if (!pg.running()) {
            if (pg.wasPrimary() && !runsAsPrimary(leader)) {
                // pg_rewind against a leader still promoting sees its old timeline, finds nothing to
                // rewind, and the promotion then forks before this node's end (found by HaClusterIT)
                return Decision.of(Action.WAIT, "stopped after running as a primary; waiting for leader " + leaderName
                        + " to run as primary before rewinding against it");
            }
            if (pg.wasPrimary()) {
                return Decision.of(Action.REWIND, leader, "stopped after running as a primary; leader is "
                        + leaderName + ": rewinding before following it");
            }
            if (s.memory().failedStandbyStarts() >= FAILED_STARTS_BEFORE_REWIND && leader.timeline() > pg.timeline()
                    && runsAsPrimary(leader)) {
                // PostgreSQL refuses a newer timeline that forked before its minimum recovery point
                // (WAL streamed from a former primary restarted read-only): it never starts again as is
                return Decision.of(Action.REWIND, leader, "PostgreSQL failed to start as a standby "
                        + s.memory().failedStandbyStarts() + " times in a row, on timeline " + pg.timeline()
                        + " while leader " + leaderName + " is on " + leader.timeline() + ": rewinding");
            }
            return Decision.of(Action.START_REPLICA, leader, "stopped standby: starting it to follow " + leaderName);
        }
        if (c.restart().contains(s.settings().name())) {
            return Decision.of(Action.RESTART, "restart requested: restarting the standby");
        }
        if (!leaderName.equals(s.memory().following())) {
            return Decision.of(Action.FOLLOW, leader, "following new leader " + leaderName);
        }
        if (pg.streaming()) {
            return Decision.of(Action.WAIT, "replica streaming from " + leaderName + " on timeline " + pg.timeline()
                    + " at " + lsn(pg.lsn()));
        }
        Instant since = s.memory().notStreamingSince();
        if (since != null && leader.timeline() > pg.timeline()
                && Duration.between(since, s.now()).compareTo(REWIND_AFTER) >= 0) {
            return Decision.of(Action.REWIND, leader, "not streaming from " + leaderName + " since " + since
                    + " and on timeline " + pg.timeline() + " while it is on " + leader.timeline() + ": rewinding");
        }
        return Decision.of(Action.WAIT, "replica following " + leaderName + ", not streaming yet (timeline "
                + pg.timeline() + " at " + lsn(pg.lsn()) + ")");
    }

    private static Decision noLeader(Snapshot s) {
        ClusterState c = s.cluster();
        PgStatus pg = s.pg();
        String me = s.settings().name();
        if (c.initializedBy() == null) {
            return Decision.of(Action.INITIALIZE, pg.hasData()
                    ? "cluster not initialized: claiming it with the existing data directory"
                    : "cluster not initialized: claiming it to run initdb");
        }
        if (!pg.hasData()) {
            // only a claim without a system identifier is unfinished: a finished cluster is never
            // bootstrapped again, even by the node that bootstrapped it and lost its disk
            if (me.equals(c.initializedBy())) {
                return Decision.of(Action.INITIALIZE, "resuming this node's unfinished bootstrap");
            }
            return Decision.of(Action.WAIT, "empty data directory and no leader to copy from");
        }
        if (!pg.running()) {
            return Decision.of(Action.START_REPLICA, "no leader; starting read-only before the leader race");
        }
        if (pg.runningPrimary()) {
            LeaderPosition last = c.lastLeaderPosition();
            if (last != null && (!last.leader().equals(me) || last.timeline() > pg.timeline())) {
                return Decision.of(Action.DEMOTE, "running primary without the leader key, and " + last.leader()
                        + " led on timeline " + last.timeline() + " since: demoting");
            }
            return leaseSafe(s)
                    ? Decision.of(Action.ACQUIRE, "running primary without the leader key: taking it")
                    : Decision.of(Action.DEMOTE, "running primary without the leader key and without a live lease: demoting");
        }
        return candidate(s);
    }

    /**
     * For a leader whose PostgreSQL will not start: a replica that the election would let take
     * over (fresh, running; in synchronous mode a member of the sync set; else on the last
     * leader's timeline within maximum-lag-on-failover of its last position), if there is one.
     */
    static Optional<String> heir(Snapshot s) {
        ClusterState c = s.cluster();
        if (c == null) {
            return Optional.empty();
        }
        if (s.settings().synchronous() && c.syncStandbys().contains(s.settings().name())) {
            // this leader acknowledged commits no standby is known to have: it must come back itself
            return Optional.empty();
        }
        LeaderPosition last = c.lastLeaderPosition();
        return c.members().values().stream()
                .filter(m -> !m.name().equals(s.settings().name()) && m.runningReplica() && fresh(m, s)
                        && !m.tags().noFailover())
                .filter(m -> s.settings().synchronous() ? c.syncStandbys().contains(m.name())
                        : last == null || (m.timeline() == last.timeline()
                                && last.lsn() - m.lsn() <= s.settings().maximumLagOnFailover()))
                .map(Member::name).sorted().findFirst();
    }

    /** A running replica with no leader: take the key only if nothing says another node should. */
    private static Decision candidate(Snapshot s) {
        ClusterState c = s.cluster();
        PgStatus pg = s.pg();
        String me = s.settings().name();
        if (s.settings().tags().noFailover()) {
            return Decision.of(Action.WAIT, "no leader; this node is tagged nofailover and never takes the key");
        }
        Optional<Decision> requested = requested(s);
        if (requested.isPresent()) {
            return requested.get();
        }
        LeaderPosition last = c.lastLeaderPosition();
        if (s.settings().synchronous()) {
            // the leader that wrote the sync set holds every commit acknowledged since: each node
            // names itself there before it turns writable, and the last position agrees
            if (me.equals(c.syncLeader()) && last != null && last.leader().equals(me)
                    && pg.timeline() >= last.timeline() && Long.compareUnsigned(pg.lsn(), last.lsn()) >= 0) {
                return Decision.of(Action.ACQUIRE, "no leader; synchronous mode: this node led last and holds every"
                        + " acknowledged commit (timeline " + pg.timeline() + " at " + lsn(pg.lsn())
                        + "): taking the leader key");
            }
            if (!c.syncStandbys().contains(me)) {
                return Decision.of(Action.WAIT, "synchronous mode: only " + (c.syncStandbys().isEmpty()
                        ? "a synchronous standby (none yet)" : c.syncStandbys().toString()) + " may be promoted");
            }
            for (String other : c.syncStandbys()) {
                if (other.equals(me)) {
                    continue;
                }
                Member m = c.members().get(other);
                if (m == null || !fresh(m, s)) {
                    return Decision.of(Action.WAIT, "synchronous mode: " + other
                            + " may hold acknowledged commits and has not reported");
                }
                if (m.streaming()) {
                    // its position was still growing when it reported, maybe past this node's
                    // (an agent frozen while its PostgreSQL streams reports a stale one): compare
                    // only once it reports the position it stopped at
                    return Decision.of(Action.WAIT, "synchronous mode: " + other
                            + " may hold acknowledged commits and last reported still streaming");
                }
                if (ahead(m, me, pg)) {
                    return Decision.of(Action.WAIT, "synchronous mode: " + other + " is further ahead");
                }
            }
            // WAL that only a non-synchronous replica has was never acknowledged to a client
            return Decision.of(Action.ACQUIRE, "no leader; synchronous standby (timeline " + pg.timeline() + " at "
                    + lsn(pg.lsn()) + "): taking the leader key");
        } else {
            if (last != null && last.timeline() == pg.timeline()
                    && last.lsn() - pg.lsn() > s.settings().maximumLagOnFailover()) {
                return Decision.of(Action.WAIT, (last.lsn() - pg.lsn()) + " bytes behind the last leader position "
                        + lsn(last.lsn()) + ", more than maximum-lag-on-failover "
                        + s.settings().maximumLagOnFailover());
            }
            if (last != null && last.timeline() > pg.timeline()) {
                return Decision.of(Action.WAIT, "on timeline " + pg.timeline() + ", older than the last leader's "
                        + last.timeline());
            }
        }
        for (Member m : c.members().values()) {
            // one tagged nofailover will never take the key: waiting for it would leave none
            if (!m.name().equals(me) && m.runningReplica() && fresh(m, s) && !m.tags().noFailover() && ahead(m, me, pg)) {
                return Decision.of(Action.WAIT, "no leader; " + m.name() + " is further ahead (timeline "
                        + m.timeline() + " at " + lsn(m.lsn()) + ")");
            }
        }
        return Decision.of(Action.ACQUIRE, "no leader; the healthiest replica (timeline " + pg.timeline() + " at "
                + lsn(pg.lsn()) + "): taking the leader key");
    }

    /**
     * What an operator asked for, with no leader: a switchover its leader handed over, or a manual
     * failover. Empty when nothing was asked (or it is stale).
     */
    private static Optional<Decision> requested(Snapshot s) {
        ClusterState c = s.cluster();
        PgStatus pg = s.pg();
        String me = s.settings().name();
        Switchover sw = c.switchover();
        LeaderPosition last = c.lastLeaderPosition();
        // A switchover counts only once its leader handed over (shut down cleanly and published its
        // final WAL); a leader that died instead leaves a failover, with every check of one. The
        // target acts on the handover however old the request looks on its own clock: the leader
        // judged it fresh when it stepped down, and a handover not taken is replaced by the next
        // leader's position (a target that judged by itself could leave nobody leading).
        if (sw != null && last != null && last.handedOver() && last.leader().equals(sw.from())) {
            if (!sw.to().equals(me)) {
                Member target = c.members().get(sw.to());
                if (target != null && fresh(target, s) && !stale(sw.requested(), s.now())) {
                    return Optional.of(Decision.of(Action.WAIT, "switchover to " + sw.to() + " in progress"));
                }
                // a target gone silent after the handover will not take the key: elect as usual
            } else if (Long.compareUnsigned(pg.lsn(), last.lsn()) <= 0) {
                return Optional.of(Decision.of(Action.WAIT, "switchover target: waiting to receive " + last.leader()
                        + "'s final WAL " + lsn(last.lsn()) + " (have " + lsn(pg.lsn()) + ")"));
            } else {
                return Optional.of(Decision.of(Action.ACQUIRE, "switchover target: has " + sw.from()
                        + "'s final WAL; taking the leader key"));
            }
        }
        Failover fo = c.failover();
        if (fo != null && !stale(fo.requested(), s.now())) {
            return Optional.of(fo.to().equals(me)
                    ? Decision.of(Action.ACQUIRE, "manual failover to this node: taking the leader key")
                    : Decision.of(Action.WAIT, "manual failover to " + fo.to() + " in progress"));
        }
        return Optional.empty();
    }

    /**
     * The final WAL position of a leader that handed over to this node which this node has not
     * received yet (the decision is then WAIT, see {@link #requested}); empty otherwise. Between
     * cycles the agent looks at its PostgreSQL meanwhile, so the key is taken moments after the
     * last byte arrives rather than a loop-wait later.
     */
    public static java.util.OptionalLong finalWalAwaited(String me, ClusterState c, PgStatus pg) {
        if (c == null || pg == null) {
            return java.util.OptionalLong.empty();
        }
        Switchover sw = c.switchover();
        LeaderPosition last = c.lastLeaderPosition();
        boolean awaited = sw != null && last != null && last.handedOver() && last.leader().equals(sw.from())
                && sw.to().equals(me) && Long.compareUnsigned(pg.lsn(), last.lsn()) <= 0;
        return awaited ? java.util.OptionalLong.of(last.lsn()) : java.util.OptionalLong.empty();
    }

    /** The leader's own report says it runs as the primary: promoted, and a source to rewind against. */
    private static boolean runsAsPrimary(Member leader) {
        return leader.role() == Role.PRIMARY && "running".equals(leader.state());
    }

    /** Member {@code m} should win over this node: newer timeline, more WAL, or equal and a smaller name. */
    private static boolean ahead(Member m, String me, PgStatus pg) {
        if (m.timeline() != pg.timeline()) {
            return m.timeline() > pg.timeline();
        }
        if (m.lsn() != pg.lsn()) {
            return Long.compareUnsigned(m.lsn(), pg.lsn()) > 0;
        }
        return m.name().compareTo(me) < 0;
    }

    /** Reported within the ttl: a member whose agent stalls longer is not counted on. */
    private static boolean fresh(Member m, Snapshot s) {
        return m.updated() != null && m.updated().plus(s.settings().ttl()).isAfter(s.now());
    }

    private static boolean stale(Instant requested, Instant now) {
        return requested == null || requested.plus(REQUEST_LIFETIME).isBefore(now);
    }

    private static String describe(PgStatus pg) {
        if (!pg.hasData()) {
            return "an empty data directory";
        }
        return !pg.running() ? "a stopped PostgreSQL" : pg.inRecovery() ? "a replica" : "a primary";
    }

    static String lsn(long value) {
        return new Lsn(value).toString();
    }
}
