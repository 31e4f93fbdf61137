package dev.pgvault.ha.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.Failover;
import dev.pgvault.ha.cluster.Member;
import dev.pgvault.ha.cluster.Role;
import dev.pgvault.ha.cluster.Switchover;
import dev.pgvault.ha.cluster.Tags;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MemberReportsTest {
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    private static ClusterState with(Member m, Switchover sw, Failover fo) {
        return new ClusterState("n1", null, Map.of(m.name(), m), null, Set.of(), sw, fo, Set.of(), null, null,
                Set.of());
    }

    /**
     * The requester's clock is 90 s behind this node's: on the raw stamp the switchover would be
     * stale here while fresh on the leader, which then stepped down again and again without its
     * target ever taking over (found by the simulation, a wall clock stepped on one node).
     */
    @Test
    void requestsAndReportsCountFromWhenThisAgentFirstSawThemWithTheirTags() {
        MemberReports reports = new MemberReports();
        Member n2 = new Member("n2", "http://h2:8008", "h2", 5432, Role.REPLICA, "running", 1, 100, true,
                NOW.minusSeconds(90), new Tags(true, true));
        Switchover sw = new Switchover("n1", "n2", NOW.minusSeconds(90));
        Failover fo = new Failover("n2", NOW.plusSeconds(300));
        ClusterState first = reports.localize(with(n2, sw, fo), NOW);
        assertEquals(NOW, first.switchover().requested());
        assertEquals(NOW, first.failover().requested());
        assertEquals(NOW, first.members().get("n2").updated());
        assertEquals(new Tags(true, true), first.members().get("n2").tags());

        ClusterState later = reports.localize(with(n2, sw, fo), NOW.plusSeconds(5));
        assertEquals(NOW, later.switchover().requested(), "the same request: still as first seen");
        assertEquals(NOW, later.members().get("n2").updated(), "no new report");

        Switchover again = new Switchover("n1", "n3", NOW.minusSeconds(90));
        assertEquals(NOW.plusSeconds(6), reports.localize(with(n2, again, null), NOW.plusSeconds(6)).switchover()
                .requested(), "a new request");
    }
}
