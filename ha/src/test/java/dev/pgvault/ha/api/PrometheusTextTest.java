package dev.pgvault.ha.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PrometheusTextTest {

    @Test
    void aLeaderWithALiveLease() {
        String text = PrometheusText.render("n1", ThreeNodes.leaderNode(ThreeNodes.NOW.plusMillis(7250)),
                ThreeNodes.NOW);
        assertEquals("""
                # HELP pgvault_ha_leader 1 when this node holds the leader key
                # TYPE pgvault_ha_leader gauge
                pgvault_ha_leader{member="n1"} 1
                # HELP pgvault_ha_primary 1 when this node is the leader with a writable PostgreSQL and a live lease
                # TYPE pgvault_ha_primary gauge
                pgvault_ha_primary{member="n1"} 1
                # HELP pgvault_ha_running 1 when the local PostgreSQL is running
                # TYPE pgvault_ha_running gauge
                pgvault_ha_running{member="n1"} 1
                # HELP pgvault_ha_timeline the local PostgreSQL's timeline
                # TYPE pgvault_ha_timeline gauge
                pgvault_ha_timeline{member="n1"} 2
                # HELP pgvault_ha_wal_lsn_bytes the local WAL position in bytes: insert position on a primary, received or replayed on a replica
                # TYPE pgvault_ha_wal_lsn_bytes gauge
                pgvault_ha_wal_lsn_bytes{member="n1"} 50331976
                # HELP pgvault_ha_lease_seconds_remaining seconds until this agent's etcd lease could expire
                # TYPE pgvault_ha_lease_seconds_remaining gauge
                pgvault_ha_lease_seconds_remaining{member="n1"} 7.250
                """, text);
    }

    @Test
    void aReplicaReportsItsLagBehindTheLeaderMember() {
        String text = PrometheusText.render("n2", ThreeNodes.replicaNode(true), ThreeNodes.NOW);
        assertTrue(text.contains("\npgvault_ha_replication_lag_bytes{member=\"n2\"} 328\n"), text);
        assertTrue(text.contains("\npgvault_ha_leader{member=\"n2\"} 0\n"), text);
        assertTrue(text.contains("\npgvault_ha_primary{member=\"n2\"} 0\n"), text);
    }

    @Test
    void anExpiredLeaseIsNotAPrimaryAndHasZeroSecondsLeft() {
        String text = PrometheusText.render("n1", ThreeNodes.leaderNode(ThreeNodes.NOW.minusSeconds(1)),
                ThreeNodes.NOW);
        assertTrue(text.contains("\npgvault_ha_primary{member=\"n1\"} 0\n"), text);
        assertTrue(text.contains("\npgvault_ha_lease_seconds_remaining{member=\"n1\"} 0.000\n"), text);
    }

    @Test
    void beforeTheFirstCycleOnlyTheFlagsAreReportedAllZero() {
        String text = PrometheusText.render("n1", null, ThreeNodes.NOW);
        assertTrue(text.contains("pgvault_ha_running{member=\"n1\"} 0\n"), text);
        assertFalse(text.contains("pgvault_ha_timeline"), text);
        assertFalse(text.contains("pgvault_ha_lease_seconds_remaining"), text);
    }

    @Test
    void labelValuesAreEscaped() {
        assertEquals("a\\\\b\\\"c\\nd", PrometheusText.escapeLabel("a\\b\"c\nd"));
    }
}
