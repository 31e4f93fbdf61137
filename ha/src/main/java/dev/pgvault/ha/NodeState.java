package dev.pgvault.ha;

import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.pg.PgStatus;
import java.time.Instant;

/**
 * What this node's agent saw and decided in its latest cycle: what the REST API answers from.
 *
 * @param name this member's name
 * @param leader this node held the leader key at the end of the cycle
 * @param leaseValidUntil until when its lease is certainly alive, null when unknown
 * @param pg the local PostgreSQL
 * @param cluster the etcd state read this cycle, null when etcd was unreachable
 * @param decision the decision's line ("LEAD: primary on timeline 1 ...")
 * @param at when the cycle ended
 */
public record NodeState(String name, boolean leader, Instant leaseValidUntil, PgStatus pg, ClusterState cluster,
        String decision, Instant at) {

    public NodeState withLeaseValidUntil(Instant until) {
        return new NodeState(name, leader, until, pg, cluster, decision, at);
    }

    /** The leader with a writable PostgreSQL and a lease that is surely alive now. */
    public boolean writablePrimary(Instant now) {
        return leader && pg.runningPrimary() && leaseValidUntil != null && now.isBefore(leaseValidUntil);
    }
}
