package dev.pgvault.ha.api;

import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.Member;
import dev.pgvault.ha.cluster.Role;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * One cluster as people and scripts see it: members sorted by name, each with what is derived
 * from the whole (leader, synchronous standby, lag). {@link ClusterJson} and {@link ClusterTable}
 * both render this, so the API and the CLI cannot disagree.
 *
 * @param cluster the cluster's name
 * @param leader the leader key's holder, null when nobody holds it
 * @param members every member key, by name
 * @param pausedSince maintenance mode since when, null when not paused
 */
public record ClusterView(String cluster, String leader, List<Row> members, java.time.Instant pausedSince) {

    public ClusterView {
        members = List.copyOf(members);
    }

    /**
     * @param lagBytes the leader member's lsn minus this one's, null when unknown
     * @param leader this member holds the leader key
     * @param syncStandby this member may hold acknowledged synchronous commits
     * @param tags its tags, as words: nofailover, nosync
     */
    public record Row(String name, String host, int port, String apiUrl, Role role, String state, int timeline,
            long lsn, Long lagBytes, boolean leader, boolean syncStandby, List<String> tags) {}

    private static List<String> words(dev.pgvault.ha.cluster.Tags t) {
        List<String> w = new java.util.ArrayList<>();
        if (t.noFailover()) {
            w.add("nofailover");
        }
        if (t.noSync()) {
            w.add("nosync");
        }
        return List.copyOf(w);
    }

    public static ClusterView of(String cluster, ClusterState state) {
        String leader = state.leader() == null ? null : state.leader().name();
        Optional<Member> leaderMember = state.leaderMember();
        List<Row> rows = state.members().values().stream()
                .sorted(Comparator.comparing(Member::name))
                .map(m -> new Row(m.name(), m.host(), m.port(), m.apiUrl(), m.role(), m.state(), m.timeline(),
                        m.lsn(), leaderMember.map(l -> ReplicationLag.bytes(l.timeline(), l.lsn(), m.timeline(),
                                m.lsn())).orElse(null),
                        m.name().equals(leader), state.syncStandbys().contains(m.name()), words(m.tags())))
                .toList();
        return new ClusterView(cluster, leader, rows, state.pausedSince());
    }
}
