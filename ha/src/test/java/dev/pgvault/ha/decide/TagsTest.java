package dev.pgvault.ha.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.ha.cluster.LeaderPosition;
import dev.pgvault.ha.cluster.Role;
import dev.pgvault.ha.cluster.Switchover;
import dev.pgvault.ha.cluster.Tags;
import dev.pgvault.ha.pg.Standby;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** ha.tags in the election, switchovers and the synchronous standby choice. */
class TagsTest {
    private static final Tags NOFAILOVER = new Tags(true, false);

    @Test
    void aNodeTaggedNofailoverNeverTakesTheKeyEvenAsTheBestReplica() {
        Situation s = new Situation();
        s.tags = NOFAILOVER;
        s.pg = Situation.replica(1, 5000, true);
        s.with(Situation.member("n2", Role.REPLICA, 1, 1000));
        Decision d = s.decide();
        assertEquals(Action.WAIT, d.action(), d.toString());
        assertTrue(d.toString().contains("nofailover"), d.toString());
        s.failover = new dev.pgvault.ha.cluster.Failover("n1", Situation.NOW);
        assertEquals(Action.WAIT, s.decide().action(), "not even by a manual failover to it");
    }

    @Test
    void aReplicaAheadButTaggedNofailoverDoesNotHoldTheOthersBack() {
        Situation s = new Situation();
        s.pg = Situation.replica(1, 1000, true);
        s.with(Situation.tagged(Situation.member("n2", Role.REPLICA, 1, 5000), NOFAILOVER));
        assertEquals(Action.ACQUIRE, s.decide().action(), s.decide().toString());
        s.with(Situation.member("n2", Role.REPLICA, 1, 5000)); // untagged, it would win
        assertEquals(Action.WAIT, s.decide().action());
    }

    @Test
    void aSwitchoverToANofailoverMemberWaitsAndNoHeirIsTaggedNofailover() {
        Situation s = new Situation().leader("n1");
        s.pg = Situation.primary(1, 1000);
        s.with(Situation.member("n1", Role.PRIMARY, 1, 1000));
        s.with(Situation.tagged(Situation.member("n2", Role.REPLICA, 1, 1000), NOFAILOVER));
        s.switchover = new Switchover("n1", "n2", Situation.NOW);
        Decision d = s.decide();
        assertEquals(Action.LEAD, d.action(), d.toString());
        assertTrue(d.toString().contains("n2 is tagged nofailover"), d.toString());
        s.lastPosition = new LeaderPosition("n1", 1, 1000);
        assertEquals(Optional.empty(), Decider.heir(s.snapshot()));
        s.with(Situation.member("n3", Role.REPLICA, 1, 1000));
        assertEquals(Optional.of("n3"), Decider.heir(s.snapshot()));
    }

    @Test
    void aNosyncMemberIsNeverChosenAndOneTaggedSinceIsReplaced() {
        List<Standby> standbys = List.of(new Standby("n2", "streaming", "async", 100), new Standby("n3", "streaming", "async", 100));
        // n2 sorts first, but only n3 may be chosen: the set grows by n3 first
        SyncPlan plan = SyncPlan.plan("n1", Set.of(), "", 0, standbys, List.of("n1", "n3"));
        assertEquals(Set.of("n1", "n3"), plan.writeSet(), plan.reason());
        // n2 is the synchronous standby and gets tagged nosync: n3 is added, then chosen, then n2 leaves
        List<Standby> n2Sync = List.of(new Standby("n2", "streaming", "sync", 100), new Standby("n3", "streaming", "async", 100));
        SyncPlan grow = SyncPlan.plan("n1", Set.of("n2"), "\"n2\"", 0, n2Sync, List.of("n1", "n3"));
        assertEquals(Set.of("n2", "n3"), grow.writeSet(), grow.reason());
        SyncPlan choose = SyncPlan.plan("n1", Set.of("n2", "n3"), "\"n2\"", 0, n2Sync, List.of("n1", "n3"));
        assertEquals("\"n3\"", choose.standbyNames(), choose.reason());
        List<Standby> n3Sync = List.of(new Standby("n2", "streaming", "async", 100), new Standby("n3", "streaming", "sync", 100));
        SyncPlan shrink = SyncPlan.plan("n1", Set.of("n2", "n3"), "\"n3\"", 0, n3Sync, List.of("n1", "n3"));
        assertEquals(Set.of("n3"), shrink.writeSet(), shrink.reason());
    }
}
