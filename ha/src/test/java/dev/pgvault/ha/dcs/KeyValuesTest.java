package dev.pgvault.ha.dcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.ha.cluster.Member;
import dev.pgvault.ha.cluster.Role;
import dev.pgvault.ha.cluster.Tags;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class KeyValuesTest {
    private static final Instant AT = Instant.parse("2026-12-02T10:00:00Z");

    @Test
    void aMembersTagsGoThroughEtcdAndAnUntaggedOneWritesNone() throws Exception {
        Member tagged = new Member("n2", "http://10.0.0.2:8008", "10.0.0.2", 5432, Role.REPLICA, "running", 3, 0x3000148L,
                true, AT, new Tags(true, true));
        String json = KeyValues.member(tagged);
        assertTrue(json.contains("\"nofailover\":true") && json.contains("\"nosync\":true"), json);
        assertEquals(tagged, KeyValues.member(json));
        Member plain = new Member("n1", "http://10.0.0.1:8008", "10.0.0.1", 5432, Role.PRIMARY, "running", 3, 0x3000148L,
                false, AT);
        String plainJson = KeyValues.member(plain);
        assertFalse(plainJson.contains("nofailover") || plainJson.contains("nosync"), plainJson);
        assertEquals(plain, KeyValues.member(plainJson)); // as an agent of an earlier version wrote it
    }

    @Test
    void aSyncKeyNamesItsLeaderAndOneWrittenBeforeItDidReadsWithoutOne() throws Exception {
        String json = KeyValues.sync("n1", java.util.Set.of("n3", "n2"));
        assertEquals(java.util.Set.of("n2", "n3"), KeyValues.sync(json));
        assertEquals("n1", KeyValues.syncLeader(json));
        String older = "{\"members\":[\"n2\"]}";
        assertEquals(java.util.Set.of("n2"), KeyValues.sync(older));
        assertEquals(null, KeyValues.syncLeader(older));
    }
}
