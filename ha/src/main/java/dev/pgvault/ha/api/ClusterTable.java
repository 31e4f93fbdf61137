package dev.pgvault.ha.api;

import dev.pgvault.ha.cluster.ClusterState;
import java.util.ArrayList;
import java.util.List;

/**
 * The cluster as a fixed-width text table for people ({@code pgvault ha list}): the same
 * {@link ClusterView} as {@link ClusterJson}, with unknown values shown as "-".
 */
public final class ClusterTable {
    private static final List<String> HEADER = List.of("Member", "Address", "Role", "State", "Timeline", "Lag");

    private ClusterTable() {}

    public static String render(String cluster, ClusterState state) {
        return render(ClusterView.of(cluster, state));
    }

    public static String render(ClusterView view) {
        // a Tags column only when some member has tags: most clusters have none
        boolean tags = view.members().stream().anyMatch(m -> !m.tags().isEmpty());
        List<List<String>> lines = new ArrayList<>();
        List<String> header = new ArrayList<>(HEADER);
        if (tags) {
            header.add("Tags");
        }
        lines.add(header);
        for (ClusterView.Row m : view.members()) {
            List<String> line = new ArrayList<>(List.of(m.name(), m.host() + ":" + m.port(), role(m), orDash(m.state()),
                    m.timeline() == 0 ? "-" : String.valueOf(m.timeline()),
                    m.lagBytes() == null ? "-" : String.valueOf(m.lagBytes())));
            if (tags) {
                line.add(m.tags().isEmpty() ? "-" : String.join(",", m.tags()));
            }
            lines.add(line);
        }
        StringBuilder out = new StringBuilder()
                .append("Cluster: ").append(view.cluster())
                .append(" (leader: ").append(view.leader() == null ? "none" : view.leader()).append(")\n");
        if (view.pausedSince() != null) {
            out.append("Maintenance mode since ").append(view.pausedSince())
                    .append(": no automatic failover ('pgvault ha resume' ends it)\n");
        }
        out.append(TextTable.format(lines));
        return out.toString();
    }

    /** The leader and the synchronous standby are what people look for first, so they are marked in the role. */
    private static String role(ClusterView.Row m) {
        String role = m.role() == null ? "-" : m.role().label();
        if (m.leader()) {
            return role + " (leader)";
        }
        return m.syncStandby() ? role + " (sync)" : role;
    }

    private static String orDash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }
}
