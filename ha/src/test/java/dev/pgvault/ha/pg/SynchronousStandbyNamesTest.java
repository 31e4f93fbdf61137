package dev.pgvault.ha.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class SynchronousStandbyNamesTest {
    @Test
    void everyNameIsOneQuotedStandby() {
        assertEquals("FIRST 1 (\"Node-2\", \"a, \"\"b\"\"\")", SynchronousStandbyNames.first(1, List.of("Node-2", "a, \"b\"")));
    }

    @Test
    void noNamesMeansNoSynchronousStandby() {
        assertEquals("", SynchronousStandbyNames.first(1, List.of()));
    }
}
