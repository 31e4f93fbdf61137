package dev.pgvault.ha.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SlotNamesTest {
    @Test
    void aMemberNameBecomesALowerCaseSlotNameOfAtMost63Characters() {
        assertEquals("n1", SlotNames.of("n1"));
        assertEquals("node_1_dc2", SlotNames.of("Node-1.dc2"));
        assertEquals("a".repeat(63), SlotNames.of("a".repeat(80)));
        assertEquals("___", SlotNames.of("ü-ß"));
    }

    @Test
    void membersWhoseNamesCollideGetNoSlot() {
        List<String> members = List.of("node-1", "node_1", "Node.1", "n2");
        assertEquals(Map.of("n2", "n2"), SlotNames.of(members));
        assertEquals(List.of("Node.1", "node-1", "node_1"), SlotNames.colliding(members));
        assertEquals(Map.of("n1", "n1", "n2", "n2"), SlotNames.of(List.of("n1", "n2")));
    }
}
