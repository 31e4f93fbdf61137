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

    /**
     * A leader with an empty set acknowledges alone: the set first grows to the standby and the
     * leader (only together may they be compared), and shrinks to the standby only once it is
     * synchronous and has flushed what was acknowledged before (the simulation found a standby
     * promoted without such a commit when the set grew to it alone).
     */
    @Test
    void aFreshLeaderGrowsTheSetWithItselfThenWaitsForTheStandbyThenShrinksTheSetOnceItCaughtUp() {
        List<Standby> rows = List.of(streaming("n3", "async"), streaming("n2", "async"));
        SyncPlan grow = SyncPlan.plan("n1", Set.of(), "", 0, rows, MEMBERS);
        assertEquals(Set.of("n1", "n2"), grow.writeSet());
        assertNull(grow.standbyNames());

        SyncPlan apply = SyncPlan.plan("n1", Set.of("n1", "n2"), "", 0, rows, MEMBERS);
        assertNull(apply.writeSet());
        assertEquals("\"n2\"", apply.standbyNames());

        List<Standby> confirmed = List.of(streaming("n3", "async"), streaming("n2", "sync"));
        assertFalse(SyncPlan.plan("n1", Set.of("n1", "n2"), "\"n2\"", -1, confirmed, MEMBERS).changes(),
                "not before the position after the change is known");
        assertFalse(SyncPlan.plan("n1", Set.of("n1", "n2"), "\"n2\"", 101, confirmed, MEMBERS).changes(),
                "not before the standby flushed up to it");
        assertEquals(Set.of("n2"), SyncPlan.plan("n1", Set.of("n1", "n2"), "\"n2\"", 100, confirmed, MEMBERS)
                .writeSet());
        assertFalse(SyncPlan.plan("n1", Set.of("n2"), "\"n2\"", 100, confirmed, MEMBERS).changes());
    }

    @Test
    void theLeaderIsNeverItsOwnSynchronousStandby() {
        assertEquals("\"n2\"", SyncPlan.names("n1", Set.of("n1", "n2")));
        assertEquals("", SyncPlan.names("n1", Set.of("n1")));
    }

    @Test
    void replacingALostStandbyKeepsTheOldOneInTheSetUntilTheNewOneIsSynchronous() {
        List<Standby> onlyN3 = List.of(streaming("n3", "async"));
        SyncPlan grow = SyncPlan.plan("n1", Set.of("n2"), "\"n2\"", 0, onlyN3, MEMBERS);
        assertEquals(Set.of("n2", "n3"), grow.writeSet());

        SyncPlan apply = SyncPlan.plan("n1", Set.of("n2", "n3"), "\"n2\"", 0, onlyN3, MEMBERS);
        assertEquals("\"n3\"", apply.standbyNames());
        assertNull(apply.writeSet());

        assertFalse(SyncPlan.plan("n1", Set.of("n2", "n3"), "\"n3\"", 0, onlyN3, MEMBERS).changes(), "not yet sync");

        SyncPlan shrink = SyncPlan.plan("n1", Set.of("n2", "n3"), "\"n3\"", 0, List.of(streaming("n3", "sync")), MEMBERS);
        assertEquals(Set.of("n3"), shrink.writeSet());
    }

    @Test
    void withNobodyStreamingTheSetEmptiesBeforeCommitsStopWaiting() {
        SyncPlan empty = SyncPlan.plan("n1", Set.of("n2"), "\"n2\"", 0, List.of(), MEMBERS);
        assertEquals(Set.of(), empty.writeSet());
        assertNull(empty.standbyNames());
        SyncPlan release = SyncPlan.plan("n1", Set.of(), "\"n2\"", 0, List.of(), MEMBERS);
        assertEquals("", release.standbyNames());
        assertFalse(SyncPlan.plan("n1", Set.of(), "", 0, List.of(), MEMBERS).changes());
    }

    @Test
    void anAgentRestartReappliesTheSetsStandby() {
        SyncPlan plan = SyncPlan.plan("n1", Set.of("n2"), null, 0, List.of(streaming("n2", "sync")), MEMBERS);
        assertEquals("\"n2\"", plan.standbyNames());
    }

    @Test
    void aStandbyThatIsNotAMemberIsNeverChosen() {
        assertFalse(SyncPlan.plan("n1", Set.of(), "", 0, List.of(streaming("pg_basebackup", "async")), MEMBERS).changes());
    }
}
