package dev.pgvault.ha.api;

import dev.pgvault.ha.NodeState;
import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.Leader;
import dev.pgvault.ha.cluster.Member;
import dev.pgvault.ha.cluster.Role;
import dev.pgvault.ha.pg.PgStatus;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * A cluster "demo" of three: n1 the leader on timeline 2 at 0/3000148, n2 its synchronous standby
 * 0x148 bytes behind, n3 still on timeline 1 (lag unknown).
 */
final class ThreeNodes {
    static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");
    static final long N1_LSN = 0x3000148L;
    static final long N2_LSN = 0x3000000L;

    static final Member N1 = new Member("n1", "http://10.0.0.1:8008", "10.0.0.1", 5432, Role.PRIMARY, "running", 2,
            N1_LSN, false, NOW.minusSeconds(1));
    static final Member N2 = new Member("n2", "http://10.0.0.2:8008", "10.0.0.2", 5432, Role.REPLICA, "running", 2,
            N2_LSN, true, NOW.minusSeconds(1));
    static final Member N3 = new Member("n3", "http://10.0.0.3:8008", "10.0.0.3", 5433, Role.REPLICA, "running", 1,
            0x2000000L, false, NOW.minusSeconds(2));

    static ClusterState cluster() {
        return new ClusterState("n1", new Leader("n1", 0x1111), Map.of("n3", N3, "n1", N1, "n2", N2), null,
                Set.of("n2"), null, null, Set.of());
    }

    static NodeState leaderNode(Instant leaseValidUntil) {
        return new NodeState("n1", true, leaseValidUntil, new PgStatus(true, true, false, 2, N1_LSN, false, false,
                false, 42), cluster(), "LEAD: primary on timeline 2", NOW);
    }

    static NodeState replicaNode(boolean streaming) {
        return new NodeState("n2", false, NOW.plusSeconds(8), new PgStatus(true, true, true, 2, N2_LSN, streaming,
                false, false, 42), cluster(), "WAIT: streaming from n1", NOW);
    }

    static NodeState stoppedNode(ClusterState cluster) {
        return new NodeState("n3", false, null, new PgStatus(true, false, false, 1, 0x2000000L, false, false, false,
                42), cluster, "WAIT: etcd unreachable", NOW);
    }

    private ThreeNodes() {}
}
