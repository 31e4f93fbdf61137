package dev.pgvault.ha.agent;

import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.Failover;
import dev.pgvault.ha.cluster.Member;
import dev.pgvault.ha.cluster.Switchover;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * When each member last reported, and when each request was made, on this node's clock. A
 * member's {@code updated} and a request's {@code requested} are written on another node's clock,
 * which may be off from this one by more than a ttl or a request's lifetime; then a member that
 * reports every second would look silent (and be passed over though it is further ahead), or a
 * silent one would look fresh, and a switchover fresh on the leader's clock would be stale on its
 * target's, so the leader steps down again and again and the target never takes over. What this
 * agent can see for itself is whether a value changed: a member counts as having reported, and a
 * request as made, when this agent first read its current value.
 */
final class MemberReports {
    private record Seen(Object published, Instant at) {}

    private final Map<String, Seen> seen = new HashMap<>();
    private Seen switchover;
    private Seen failover;

    /** {@code c} with each member's {@code updated} and each request's time replaced by when this agent saw it change. */
    ClusterState localize(ClusterState c, Instant now) {
        Map<String, Member> members = new HashMap<>();
        for (Member m : c.members().values()) {
            Seen s = seen.get(m.name());
            if (s == null || !s.published().equals(m.updated())) {
                s = new Seen(m.updated(), now);
                seen.put(m.name(), s);
            }
            members.put(m.name(), new Member(m.name(), m.apiUrl(), m.host(), m.port(), m.role(), m.state(),
                    m.timeline(), m.lsn(), m.streaming(), s.at(), m.tags()));
        }
        seen.keySet().retainAll(c.members().keySet());
        switchover = firstSeen(switchover, c.switchover(), now);
        failover = firstSeen(failover, c.failover(), now);
        Switchover sw = c.switchover() == null ? null
                : new Switchover(c.switchover().from(), c.switchover().to(), switchover.at());
        Failover fo = c.failover() == null ? null : new Failover(c.failover().to(), failover.at());
        return new ClusterState(c.initializedBy(), c.leader(), members, c.lastLeaderPosition(), c.syncStandbys(),
                sw, fo, c.reinit(), c.syncLeader(), c.pausedSince(), c.restart());
    }

    private static Seen firstSeen(Seen before, Object request, Instant now) {
        if (request == null) {
            return null;
        }
        return before != null && before.published().equals(request) ? before : new Seen(request, now);
    }
}
