package dev.pgvault.ha.agent;

import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.Member;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * When each member last reported, on this node's clock. A member's {@code updated} is written on
 * its own clock, which may be off from this one by more than a ttl; then a member that reports
 * every second would look silent (and be passed over though it is further ahead), or a silent one
 * would look fresh. What this agent can see for itself is whether the value changed: a member
 * counts as having reported when this agent first read its current value.
 */
final class MemberReports {
    private record Seen(Instant published, Instant at) {}

    private final Map<String, Seen> seen = new HashMap<>();

    /** {@code c} with each member's {@code updated} replaced by when this agent saw it change. */
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
        return new ClusterState(c.initializedBy(), c.leader(), members, c.lastLeaderPosition(), c.syncStandbys(),
                c.switchover(), c.failover(), c.reinit());
    }
}
