package dev.pgvault.ha.decide;

import dev.pgvault.ha.pg.Standby;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How the leader in synchronous mode moves to the right synchronous standby, one safe step per
 * cycle. The invariant: every member that may hold an acknowledged commit is in etcd's sync set
 * before PostgreSQL waits for it, and leaves the set only after PostgreSQL stopped waiting for it
 * alone. So the set only grows before {@code synchronous_standby_names} changes and only shrinks
 * after the new standby is confirmed synchronous and has received everything acknowledged before.
 *
 * <p>The leader holds every commit it acknowledged. While the set is empty it acknowledges alone,
 * so when the set first grows it names the leader too: a standby added then lacks what was
 * acknowledged before it, and may be promoted only where the leader reports and is not ahead of
 * it (the election compares the set's members), until it is confirmed.
 *
 * @param writeSet the sync set to write to etcd first (null: leave it)
 * @param standbyNames the value of synchronous_standby_names to apply after (null: leave it)
 * @param reason one line for the log, null when nothing changes
 */
public record SyncPlan(Set<String> writeSet, String standbyNames, String reason) {

    static final SyncPlan NOTHING = new SyncPlan(null, null, null);

    /**
     * @param leader this leader's member name
     * @param set etcd's sync set
     * @param applied the synchronous_standby_names this agent applied (null: unknown, e.g. after a restart)
     * @param settledLsn the leader's WAL position a cycle after {@code applied} took effect (every
     *     commit acknowledged without waiting for it lies before); negative while unknown
     * @param standbys pg_stat_replication on the leader
     * @param members names of the cluster's members (a standby that is not one is never chosen)
     */
    public static SyncPlan plan(String leader, Set<String> set, String applied, long settledLsn,
            List<Standby> standbys, Collection<String> members) {
        // 1. the chosen standby confirmed synchronous, with everything acknowledged before it was
        // chosen: drop the others (the leader too) from the set
        for (Standby s : standbys) {
            // (not one that may no longer be chosen, tagged nosync since: it is replaced first)
            if (s.synchronous() && quote(s.name()).equals(applied) && members.contains(s.name())
                    && !set.equals(Set.of(s.name()))) {
                if (settledLsn < 0 || Long.compareUnsigned(s.flushLsn(), settledLsn) < 0) {
                    return NOTHING; // it may still lack commits acknowledged before it was waited for
                }
                return new SyncPlan(Set.of(s.name()), null, s.name() + " is synchronous: the sync set is now just it");
            }
        }
        // 2. the set's one member streams: make sure PostgreSQL waits for it
        if (set.size() == 1) {
            String only = set.iterator().next();
            if (streaming(standbys, only) && members.contains(only)) {
                return quote(only).equals(applied) ? NOTHING
                        : new SyncPlan(null, quote(only), "waiting for " + only + " on every commit");
            }
        }
        // 3. choose a streaming member, preferring one already in the set; grow the set first
        String pick = null;
        for (Standby s : standbys) {
            if (s.streaming() && members.contains(s.name()) && !s.name().equals(leader)
                    && (pick == null || set.contains(s.name()) && !set.contains(pick)
                    || set.contains(s.name()) == set.contains(pick) && s.name().compareTo(pick) < 0)) {
                pick = s.name();
            }
        }
        if (pick != null) {
            if (quote(pick).equals(applied)) {
                return NOTHING; // waiting for it to report 'sync'
            }
            if (!set.contains(pick)) {
                Set<String> grown = new HashSet<>(set);
                grown.add(pick);
                if (set.isEmpty()) {
                    grown.add(leader);
                    return new SyncPlan(grown, null, "adding " + pick + " to the sync set before waiting for it,"
                            + " with this leader, which acknowledged commits alone until now");
                }
                return new SyncPlan(grown, null, "adding " + pick + " to the sync set before waiting for it");
            }
            return new SyncPlan(null, quote(pick), "choosing " + pick + " as the synchronous standby");
        }
        // 4. nobody streams: stop waiting, but only after etcd says nobody may be promoted
        if (!set.isEmpty()) {
            return new SyncPlan(Set.of(), null, "no streaming standby: emptying the sync set (no automatic failover)");
        }
        return "".equals(applied) ? NOTHING : new SyncPlan(null, "", "no streaming standby: commits do not wait");
    }

    private static boolean streaming(List<Standby> standbys, String name) {
        return standbys.stream().anyMatch(s -> s.streaming() && s.name().equals(name));
    }

    /**
     * synchronous_standby_names waiting for any one of {@code members} but {@code leader} itself
     * (empty: for nobody).
     */
    public static String names(String leader, Set<String> members) {
        return String.join(", ", new java.util.TreeSet<>(members).stream().filter(m -> !m.equals(leader))
                .map(SyncPlan::quote).toList());
    }

    /**
     * {@code standbyNames} (what {@link #plan} chose: one standby, a list to take the first of, or
     * "" for none) with commits also waiting for {@code receiver}: {@code FIRST 2} with the
     * receiver first, so PostgreSQL waits for it and for the first of the standbys that streams.
     */
    public static String withReceiver(String standbyNames, String receiver) {
        return standbyNames.isEmpty() ? quote(receiver) : "FIRST 2 (" + quote(receiver) + ", " + standbyNames + ")";
    }

    /** A member name as synchronous_standby_names takes it: a quoted identifier. */
    public static String quote(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    public boolean changes() {
        return writeSet != null || standbyNames != null;
    }
}
