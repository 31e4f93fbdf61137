package dev.pgvault.ha.cluster;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything under /pgvault/&lt;cluster&gt;/ in one consistent read.
 *
 * @param initializedBy the initialize key: the member that claimed it while its bootstrap runs,
 *     then "&lt;member&gt; &lt;system identifier&gt;" for good; null before bootstrap
 * @param leader the leader key, null when nobody holds it
 * @param members member keys by name
 * @param lastLeaderPosition what the last leader published, null before the first leader
 * @param syncStandbys in synchronous mode, the members that may hold acknowledged commits: only they
 *     may be promoted (empty: none yet)
 * @param switchover a pending switchover request, or null
 * @param failover a pending manual failover request, or null
 * @param reinit members asked to reseed
 * @param syncLeader in synchronous mode, the leader that wrote {@code syncStandbys}: it holds every
 *     commit it acknowledged itself, and every node writes the set, naming itself, before it turns
 *     writable, so no other node has acknowledged a commit since; null when unknown
 * @param pausedSince maintenance mode ({@code ha pause}): since when; null when not paused
 * @param restart members asked to restart PostgreSQL ({@code ha restart})
 */
public record ClusterState(String initializedBy, Leader leader, Map<String, Member> members,
        LeaderPosition lastLeaderPosition, Set<String> syncStandbys, Switchover switchover, Failover failover,
        Set<String> reinit, String syncLeader, java.time.Instant pausedSince, Set<String> restart) {

    public ClusterState {
        members = Map.copyOf(members);
        syncStandbys = Set.copyOf(syncStandbys);
        reinit = Set.copyOf(reinit);
        restart = Set.copyOf(restart);
    }

    /** A state whose sync set names no leader, not paused. */
    public ClusterState(String initializedBy, Leader leader, Map<String, Member> members,
            LeaderPosition lastLeaderPosition, Set<String> syncStandbys, Switchover switchover, Failover failover,
            Set<String> reinit) {
        this(initializedBy, leader, members, lastLeaderPosition, syncStandbys, switchover, failover, reinit, null,
                null, Set.of());
    }

    /** Maintenance mode: the agents take no automatic action. */
    public boolean paused() {
        return pausedSince != null;
    }

    public static ClusterState empty() {
        return new ClusterState(null, null, Map.of(), null, Set.of(), null, null, Set.of());
    }

    public Optional<Member> member(String name) {
        return Optional.ofNullable(members.get(name));
    }

    public Optional<Member> leaderMember() {
        return leader == null ? Optional.empty() : member(leader.name());
    }
}
