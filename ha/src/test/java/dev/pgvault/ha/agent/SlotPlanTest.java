package dev.pgvault.ha.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SlotPlanTest {
    @Test
    void theLeaderCreatesTheMissingSlotsAndDropsOnlyItsOwnThatNobodyUses() {
        SlotPlan plan = SlotPlan.of(Set.of("n2", "n3"),
                Map.of("n3", true, "n4", false, "n5", true, "backup", false, "n2old", false),
                Set.of("n3", "n4", "n5", "gone"));
        assertEquals(Set.of("n2"), plan.create());
        assertEquals(Set.of("n4"), plan.drop(), "n5 is still streamed through; backup and n2old are not ours");
        assertEquals(Set.of("gone"), plan.forget());
    }

    @Test
    void aStandbyDropsEverySlotItMadeWhileItLedAndNothingElse() {
        SlotPlan plan = SlotPlan.of(Set.of(), Map.of("n2", false, "n3", false, "operator", false), Set.of("n2", "n3"));
        assertEquals(Set.of(), plan.create());
        assertEquals(Set.of("n2", "n3"), plan.drop());
        assertTrue(SlotPlan.of(Set.of(), Map.of("operator", false), Set.of()).empty());
    }

    @Test
    void aSlotOfTheSameNameThatIsNotOursIsUsedNotReplaced() {
        SlotPlan plan = SlotPlan.of(Set.of("n2"), Map.of("n2", false), Set.of());
        assertTrue(plan.empty(), plan.toString());
    }
}
