package dev.pgvault.ha.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class ReplicationLagTest {

    @Test
    void sameTimelineIsTheDifference() {
        assertEquals(0x148L, ReplicationLag.bytes(2, 0x3000148L, 2, 0x3000000L));
    }

    @Test
    void aReplicaAheadOfTheLeadersLastPublishedPositionHasNoLag() {
        assertEquals(0L, ReplicationLag.bytes(2, 0x3000000L, 2, 0x3000148L));
    }

    @Test
    void positionsAreUnsigned() {
        assertEquals(1L, ReplicationLag.bytes(1, 0x8000000000000001L, 1, 0x8000000000000000L));
    }

    @Test
    void unknownOrOtherTimelineIsNull() {
        assertNull(ReplicationLag.bytes(2, 100, 1, 50));
        assertNull(ReplicationLag.bytes(2, 100, 2, 0));
        assertNull(ReplicationLag.bytes(0, 100, 0, 50));
    }
}
