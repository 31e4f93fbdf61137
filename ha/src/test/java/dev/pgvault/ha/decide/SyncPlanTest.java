package dev.pgvault.ha.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.pgvault.ha.pg.Standby;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SyncPlanTest {
    private static final List<String> MEMBERS = List.of("n1", "n2", "n3");

    private static Standby streaming(String name, String sync) {
        return new Standby(name, "streaming", sync, 100);
    }

    @Test
    void aFreshLeaderFirstGrowsTheSetThenWaitsForTheStandbyThenShrinksTheSet() {
        List<Standby> rows = List.of(streaming("n3", "async"), streaming("n2", "async"));
        SyncPlan grow = SyncPlan.plan(Set.of(), "", rows, MEMBERS);
        assertEquals(Set.of("n2"), grow.writeSet());
        assertNull(grow.standbyNames());

        SyncPlan apply = SyncPlan.plan(Set.of("n2"), "", rows, MEMBERS);
        assertNull(apply.writeSet());
        assertEquals("\"n2\"", apply.standbyNames());

        List<Standby> confirmed = List.of(streaming("n3", "async"), streaming("n2", "sync"));
        assertFalse(SyncPlan.plan(Set.of("n2"), "\"n2\"", confirmed, MEMBERS).changes());
    }

    @Test
    void replacingALostStandbyKeepsTheOldOneInTheSetUntilTheNewOneIsSynchronous() {
        List<Standby> onlyN3 = List.of(streaming("n3", "async"));
        SyncPlan grow = SyncPlan.plan(Set.of("n2"), "\"n2\"", onlyN3, MEMBERS);
        assertEquals(Set.of("n2", "n3"), grow.writeSet());

        SyncPlan apply = SyncPlan.plan(Set.of("n2", "n3"), "\"n2\"", onlyN3, MEMBERS);
        assertEquals("\"n3\"", apply.standbyNames());
        assertNull(apply.writeSet());

        assertFalse(SyncPlan.plan(Set.of("n2", "n3"), "\"n3\"", onlyN3, MEMBERS).changes(), "not yet sync");

        SyncPlan shrink = SyncPlan.plan(Set.of("n2", "n3"), "\"n3\"", List.of(streaming("n3", "sync")), MEMBERS);
        assertEquals(Set.of("n3"), shrink.writeSet());
    }

    @Test
    void withNobodyStreamingTheSetEmptiesBeforeCommitsStopWaiting() {
        SyncPlan empty = SyncPlan.plan(Set.of("n2"), "\"n2\"", List.of(), MEMBERS);
        assertEquals(Set.of(), empty.writeSet());
        assertNull(empty.standbyNames());
        SyncPlan release = SyncPlan.plan(Set.of(), "\"n2\"", List.of(), MEMBERS);
        assertEquals("", release.standbyNames());
        assertFalse(SyncPlan.plan(Set.of(), "", List.of(), MEMBERS).changes());
    }

    @Test
    void anAgentRestartReappliesTheSetsStandby() {
        SyncPlan plan = SyncPlan.plan(Set.of("n2"), null, List.of(streaming("n2", "sync")), MEMBERS);
        assertEquals("\"n2\"", plan.standbyNames());
    }

    @Test
    void aStandbyThatIsNotAMemberIsNeverChosen() {
        assertFalse(SyncPlan.plan(Set.of(), "", List.of(streaming("pg_basebackup", "async")), MEMBERS).changes());
    }
}
