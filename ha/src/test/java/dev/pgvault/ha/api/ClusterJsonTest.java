package dev.pgvault.ha.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.Leader;
import dev.pgvault.ha.cluster.Member;
import dev.pgvault.ha.cluster.Role;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The documents the API and the CLI share, asserted whole. */
class ClusterJsonTest {

    @Test
    void threeMembersAsJson() {
        assertEquals("{\"cluster\":\"demo\",\"leader\":\"n1\",\"paused\":false,\"members\":["
                + "{\"name\":\"n1\",\"role\":\"primary\",\"state\":\"running\",\"host\":\"10.0.0.1\",\"port\":5432,"
                + "\"api_url\":\"http://10.0.0.1:8008\",\"timeline\":2,\"lsn\":\"0/3000148\",\"lag_bytes\":0,"
                + "\"leader\":true,\"sync_standby\":false,\"tags\":[]},"
                + "{\"name\":\"n2\",\"role\":\"replica\",\"state\":\"running\",\"host\":\"10.0.0.2\",\"port\":5432,"
                + "\"api_url\":\"http://10.0.0.2:8008\",\"timeline\":2,\"lsn\":\"0/3000000\",\"lag_bytes\":328,"
                + "\"leader\":false,\"sync_standby\":true,\"tags\":[]},"
                + "{\"name\":\"n3\",\"role\":\"replica\",\"state\":\"running\",\"host\":\"10.0.0.3\",\"port\":5433,"
                + "\"api_url\":\"http://10.0.0.3:8008\",\"timeline\":1,\"lsn\":\"0/2000000\",\"lag_bytes\":null,"
                + "\"leader\":false,\"sync_standby\":false,\"tags\":[]}]}",
                ClusterJson.write("demo", ThreeNodes.cluster()));
    }

    @Test
    void threeMembersAsTable() {
        assertEquals("""
                Cluster: demo (leader: n1)
                Member  Address        Role              State    Timeline  Lag
                n1      10.0.0.1:5432  primary (leader)  running  2         0
                n2      10.0.0.2:5432  replica (sync)    running  2         328
                n3      10.0.0.3:5433  replica           running  1         -
                """, ClusterTable.render("demo", ThreeNodes.cluster()));
    }

    @Test
    void tagsShowInTheirOwnColumnOnlyWhenAMemberHasSome() {
        Member n3 = ThreeNodes.N3;
        Member tagged = new Member(n3.name(), n3.apiUrl(), n3.host(), n3.port(), n3.role(), n3.state(), n3.timeline(),
                n3.lsn(), n3.streaming(), n3.updated(), new dev.pgvault.ha.cluster.Tags(true, true));
        ClusterState c = new ClusterState("n1", new Leader("n1", 0x1111), Map.of("n1", ThreeNodes.N1, "n3", tagged),
                null, Set.of(), null, null, Set.of());
        assertEquals("""
                Cluster: demo (leader: n1)
                Member  Address        Role              State    Timeline  Lag  Tags
                n1      10.0.0.1:5432  primary (leader)  running  2         0    -
                n3      10.0.0.3:5433  replica           running  1         -    nofailover,nosync
                """, ClusterTable.render("demo", c));
        assertTrue(ClusterJson.write("demo", c).contains("\"tags\":[\"nofailover\",\"nosync\"]"), ClusterJson.write("demo", c));
    }

    @Test
    void withoutALeaderNothingHasALagAndUnknownPositionsAreNull() {
        Member fresh = new Member("n4", "http://10.0.0.4:8008", "10.0.0.4", 5432, Role.UNINITIALIZED, "seeding", 0, 0,
                false, ThreeNodes.NOW);
        ClusterState noLeader = new ClusterState("n1", null, Map.of("n2", ThreeNodes.N2, "n4", fresh), null, Set.of(),
                null, null, Set.of());
        assertEquals("{\"cluster\":\"demo\",\"leader\":null,\"paused\":false,\"members\":["
                + "{\"name\":\"n2\",\"role\":\"replica\",\"state\":\"running\",\"host\":\"10.0.0.2\",\"port\":5432,"
                + "\"api_url\":\"http://10.0.0.2:8008\",\"timeline\":2,\"lsn\":\"0/3000000\",\"lag_bytes\":null,"
                + "\"leader\":false,\"sync_standby\":false,\"tags\":[]},"
                + "{\"name\":\"n4\",\"role\":\"uninitialized\",\"state\":\"seeding\",\"host\":\"10.0.0.4\",\"port\":5432,"
                + "\"api_url\":\"http://10.0.0.4:8008\",\"timeline\":null,\"lsn\":null,\"lag_bytes\":null,"
                + "\"leader\":false,\"sync_standby\":false,\"tags\":[]}]}",
                ClusterJson.write("demo", noLeader));
        assertEquals("""
                Cluster: demo (leader: none)
                Member  Address        Role           State    Timeline  Lag
                n2      10.0.0.2:5432  replica        running  2         -
                n4      10.0.0.4:5432  uninitialized  seeding  -         -
                """, ClusterTable.render("demo", noLeader));
    }

    @Test
    void aLeaderKeyWithoutItsMemberKeyIsStillNamed() {
        ClusterState gone = new ClusterState("n1", new Leader("n9", 7), Map.of("n2", ThreeNodes.N2), null, Set.of(),
                null, null, Set.of());
        ClusterView view = ClusterView.of("demo", gone);
        assertEquals("n9", view.leader());
        assertEquals(null, view.members().get(0).lagBytes());
    }

    @Test
    void maintenanceModeIsSaidAboveTheMembersAndInTheJson() {
        ClusterState c = ThreeNodes.cluster();
        ClusterState paused = new ClusterState(c.initializedBy(), c.leader(), c.members(), c.lastLeaderPosition(),
                c.syncStandbys(), null, null, Set.of(), null, java.time.Instant.parse("2026-12-01T10:00:00Z"),
                Set.of());
        String table = ClusterTable.render("demo", paused);
        assertTrue(table.startsWith("""
                Cluster: demo (leader: n1)
                Maintenance mode since 2026-12-01T10:00:00Z: no automatic failover ('pgvault ha resume' ends it)
                Member"""), table);
        String json = ClusterJson.write("demo", paused);
        assertTrue(json.startsWith("{\"cluster\":\"demo\",\"leader\":\"n1\",\"paused\":true,"
                + "\"paused_since\":\"2026-12-01T10:00:00Z\",\"members\":["), json);
    }
}
