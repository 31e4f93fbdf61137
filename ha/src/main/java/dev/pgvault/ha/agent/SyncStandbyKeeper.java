package dev.pgvault.ha.agent;

import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.Member;
import dev.pgvault.ha.dcs.Dcs;
import dev.pgvault.ha.dcs.DcsException;
import dev.pgvault.ha.decide.SyncPlan;
import dev.pgvault.ha.pg.LocalPostgres;
import dev.pgvault.ha.pg.PgControlException;
import dev.pgvault.ha.pg.Standby;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Synchronous mode on the leader, and what it carries from cycle to cycle: the
 * synchronous_standby_names this agent applied, when, the WAL position that was settled under
 * them, and whether commits also wait for the synchronous receiver. {@link SyncPlan} decides each
 * step; this applies it to PostgreSQL and etcd in the order that never loses an acknowledged commit.
 */
final class SyncStandbyKeeper {
    private final HaSettings settings;
    private final Dcs dcs;
    private final LocalPostgres postgres;
    /** Real elapsed time, which never steps. */
    private final Clock steady;
    private final Consumer<String> log;

    /** The synchronous_standby_names this agent applied; null when unknown. */
    private String applied;
    /** When it applied them, on the steady clock. */
    private Instant appliedAt = Instant.MIN;
    /**
     * The primary's WAL position read at least a loop-wait after {@link #applied} took effect:
     * every commit acknowledged under the setting before lies before it. Negative until read.
     */
    private long settledLsn = -1;
    /**
     * Whether the synchronous_standby_names applied also wait for {@link HaSettings#syncReceiver()}.
     * Every write that leaves it out (a start, a promotion) sets this false; {@link #keep} adds
     * the receiver back once it streams.
     */
    private boolean receiverWaited;

    SyncStandbyKeeper(HaSettings settings, Dcs dcs, LocalPostgres postgres, Clock steady, Consumer<String> log) {
        this.settings = settings;
        this.dcs = dcs;
        this.postgres = postgres;
        this.steady = steady;
        this.log = log;
    }

    /**
     * The names a primary starting now must wait for: those applied before; after an agent
     * restart, whoever etcd says may hold acknowledged commits. The receiver is added back later.
     */
    String namesForStart(ClusterState cluster) {
        if (applied == null && settings.synchronous()) {
            apply(SyncPlan.names(settings.name(), cluster.syncStandbys()));
        }
        receiverWaited = false;
        return applied == null ? "" : applied;
    }

    /**
     * Before this node acknowledges commits alone (a bootstrap, a promotion): until a standby is
     * confirmed synchronous, nobody else has them. Said in etcd before PostgreSQL can do it.
     */
    void emptySyncSet() throws DcsException {
        if (settings.synchronous()) {
            dcs.writeSyncStandbys(settings.name(), Set.of());
        }
    }

    /** PostgreSQL was just configured to wait for no standby (a bootstrap, a promotion). */
    void waitingForNone() {
        receiverWaited = false;
        apply("");
    }

    /** This node stopped leading: what it applied says nothing of its next term. */
    void forget() {
        applied = null;
        receiverWaited = false;
    }

    /** One leader cycle in synchronous mode: the plan's next step, then the receiver's place in it. */
    void keep(ClusterState cluster) throws PgControlException, DcsException {
        if (!settings.synchronous()) {
            return;
        }
        String me = settings.name();
        if (settledLsn < 0 && applied != null && !steady.instant().isBefore(appliedAt.plus(settings.loopWait()))) {
            settledLsn = postgres.status().lsn();
        }
        List<Standby> standbys = postgres.standbys();
        // a member tagged nosync is never chosen (and one tagged since is replaced)
        SyncPlan plan = SyncPlan.plan(me, cluster.syncStandbys(), applied, settledLsn, standbys,
                cluster.members().values().stream().filter(m -> !m.tags().noSync()).map(Member::name).toList());
        // whether commits also wait for the receiver, as this cycle finds it, in the same write as the plan's names
        boolean withReceiver = receiverStreams(standbys, cluster);
        if (plan.changes()) {
            log.accept("synchronous: " + plan.reason());
            if (plan.writeSet() != null) {
                dcs.writeSyncStandbys(me, plan.writeSet());
            }
            if (plan.standbyNames() != null) {
                configure(plan.standbyNames(), withReceiver);
                apply(plan.standbyNames());
                return;
            }
        }
        if (applied != null && withReceiver != receiverWaited) {
            log.accept("synchronous: " + (withReceiver ? "commits also wait for the receiver " + settings.syncReceiver()
                    + ": every acknowledged commit is in the repository"
                    : "the receiver " + settings.syncReceiver() + " stopped streaming: commits no longer wait for the repository"));
            configure(applied, withReceiver);
        }
    }

    /**
     * Whether this node's synchronous receiver streams, so that commits wait for it too. Only
     * while it streams, as a standby: one whose connection ended is left out at the next cycle;
     * one that stays connected while its store hangs is waited for until the store times out and
     * it disconnects. Never one named like a member (it would stand in for that member's standby,
     * and could be chosen as one). The receiver is never a failover candidate: etcd's sync set is
     * not involved.
     */
    private boolean receiverStreams(List<Standby> standbys, ClusterState cluster) {
        String receiver = settings.syncReceiver();
        return receiver != null && !cluster.members().containsKey(receiver)
                && standbys.stream().anyMatch(s -> s.streaming() && s.name().equals(receiver));
    }

    private void configure(String standbyNames, boolean withReceiver) throws PgControlException {
        postgres.configure(false, null,
                withReceiver ? SyncPlan.withReceiver(standbyNames, settings.syncReceiver()) : standbyNames);
        postgres.reload();
        receiverWaited = withReceiver;
    }

    /** Records the synchronous_standby_names just applied (to a running or a starting PostgreSQL). */
    private void apply(String standbyNames) {
        applied = standbyNames;
        appliedAt = steady.instant();
        settledLsn = -1;
    }
}
