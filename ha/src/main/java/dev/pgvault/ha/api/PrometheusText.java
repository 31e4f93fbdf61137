package dev.pgvault.ha.api;

import dev.pgvault.ha.NodeState;
import dev.pgvault.ha.cluster.Member;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * This node's gauges in the Prometheus text exposition format 0.0.4: a HELP and a TYPE line per
 * metric, then its sample labelled with the member. A value that is unknown has no sample rather
 * than a 0 that would look like a fact (a timeline of 0, a lag of 0).
 */
final class PrometheusText {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder();
    private final String label;

    private PrometheusText(String member) {
        this.label = "{member=\"" + escapeLabel(member) + "\"}";
    }

    /** {@code node} is null before the agent's first cycle: only the 0/1 gauges are known then (all 0). */
    static String render(String member, NodeState node, Instant now) {
        PrometheusText t = new PrometheusText(member);
        boolean known = node != null;
        t.gauge("pgvault_ha_leader", "1 when this node holds the leader key", known && node.leader() ? "1" : "0");
        t.gauge("pgvault_ha_primary", "1 when this node is the leader with a writable PostgreSQL and a live lease",
                known && node.writablePrimary(now) ? "1" : "0");
        t.gauge("pgvault_ha_running", "1 when the local PostgreSQL is running", known && node.pg().running() ? "1" : "0");
        if (!known) {
            return t.out.toString();
        }
        if (node.pg().timeline() != 0) {
            t.gauge("pgvault_ha_timeline", "the local PostgreSQL's timeline", String.valueOf(node.pg().timeline()));
        }
        if (node.pg().lsn() != 0) {
            t.gauge("pgvault_ha_wal_lsn_bytes",
                    "the local WAL position in bytes: insert position on a primary, received or replayed on a replica",
                    Long.toUnsignedString(node.pg().lsn()));
        }
        Long lag = replicaLag(node);
        if (lag != null) {
            t.gauge("pgvault_ha_replication_lag_bytes", "bytes of WAL this replica is behind the leader member",
                    String.valueOf(lag));
        }
        if (node.leaseValidUntil() != null) {
            long millis = Math.max(0, Duration.between(now, node.leaseValidUntil()).toMillis());
            t.gauge("pgvault_ha_lease_seconds_remaining", "seconds until this agent's etcd lease could expire",
                    String.format(Locale.ROOT, "%.3f", millis / 1000.0));
        }
        return t.out.toString();
    }

    private static Long replicaLag(NodeState node) {
        if (!node.pg().runningReplica() || node.cluster() == null) {
            return null;
        }
        Member leader = node.cluster().leaderMember().orElse(null);
        return leader == null ? null
                : ReplicationLag.bytes(leader.timeline(), leader.lsn(), node.pg().timeline(), node.pg().lsn());
    }

    private void gauge(String name, String help, String value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" gauge\n")
                .append(name).append(label).append(' ').append(value).append('\n');
    }

    /** The format's three escapes in a label value: backslash, double quote, line feed. */
    static String escapeLabel(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
