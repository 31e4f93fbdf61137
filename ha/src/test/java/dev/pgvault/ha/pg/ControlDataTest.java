package dev.pgvault.ha.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ControlDataTest {
    /** The head of PostgreSQL 15's pg_controldata output (LC_ALL=C). */
    static String output(String state) {
        return """
                pg_control version number:            1300
                Catalog version number:               202209061
                Database system identifier:           7441796375563730163
                Database cluster state:               %s
                pg_control last modified:             Thu 26 Nov 2026 08:37:42 AM UTC
                Latest checkpoint location:           0/3000060
                Latest checkpoint's REDO location:    0/3000028
                Latest checkpoint's REDO WAL file:    000000020000000000000003
                Latest checkpoint's TimeLineID:       2
                Latest checkpoint's PrevTimeLineID:   1
                Latest checkpoint's full_page_writes: on
                """.formatted(state);
    }

    @Test
    void readsTheFieldsTheAgentNeeds() throws Exception {
        ControlData c = ControlData.parse(output("shut down in recovery"));
        assertEquals("shut down in recovery", c.state());
        assertEquals(0x3000060L, c.checkpoint());
        assertEquals(2, c.timeline());
        assertEquals(7441796375563730163L, c.systemIdentifier());
    }

    @Test
    void aPrimaryThatCrashedWasPrimaryAndCrashed() throws Exception {
        ControlData c = ControlData.parse(output("in production"));
        assertTrue(c.wasPrimary());
        assertTrue(c.crashed());
    }

    /**
     * Stopped immediately (or crashed) during its shutdown checkpoint, which a fast shutdown that
     * ran out of time becomes: a primary, and one that crashed.
     */
    @Test
    void aPrimaryStoppedDuringItsShutdownCheckpointWasPrimaryAndCrashed() throws Exception {
        ControlData c = ControlData.parse(output("shutting down"));
        assertTrue(c.wasPrimary());
        assertTrue(c.crashed());
    }

    @Test
    void aCleanlyStoppedPrimaryWasPrimaryButDidNotCrash() throws Exception {
        ControlData c = ControlData.parse(output("shut down"));
        assertTrue(c.wasPrimary());
        assertFalse(c.crashed());
    }

    @Test
    void aStandbyIsNotAPrimaryAndOnlyACleanShutdownIsNotACrash() throws Exception {
        ControlData clean = ControlData.parse(output("shut down in recovery"));
        assertFalse(clean.wasPrimary() || clean.crashed());
        // a standby stopped immediately needs crash recovery before pg_rewind, like a primary
        ControlData immediate = ControlData.parse(output("in archive recovery"));
        assertFalse(immediate.wasPrimary());
        assertTrue(immediate.crashed());
        assertTrue(ControlData.parse(output("in crash recovery")).crashed());
    }

    @Test
    void aMissingFieldOrABadValueIsNamed() {
        var missing = assertThrows(PgControlException.class, () -> ControlData.parse("Database cluster state: shut down\n"));
        assertTrue(missing.getMessage().contains("Latest checkpoint location"), missing.getMessage());
        var bad = assertThrows(PgControlException.class,
                () -> ControlData.parse(output("shut down").replace("0/3000060", "garbage")));
        assertTrue(bad.getMessage().contains("garbage"), bad.getMessage());
    }
}
