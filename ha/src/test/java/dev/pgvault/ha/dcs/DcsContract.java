package dev.pgvault.ha.dcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.Failover;
import dev.pgvault.ha.cluster.LeaderPosition;
import dev.pgvault.ha.cluster.Member;
import dev.pgvault.ha.cluster.Role;
import dev.pgvault.ha.cluster.Switchover;
import dev.pgvault.ha.cluster.Tags;
import dev.pgvault.ha.cluster.TimelineSwitch;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the HA agent relies on from its {@link Dcs}, run against every implementation: the in-memory
 * fake the unit tests and the simulation use, and {@link EtcdDcs} on a real etcd (in it/). A fake
 * that passes this behaves as etcd does wherever the agent can tell.
 */
public abstract class DcsContract {
    private static final Instant AT = Instant.parse("2026-12-03T10:15:30.123Z");

    private final List<Dcs> opened = new ArrayList<>();

    /** A new client of the cluster under test, as a new agent process would open; one cluster per test. */
    protected abstract Dcs newClient();

    /** The ttl the clients grant their leases with. */
    protected abstract Duration ttl();

    /** Lets {@code time} pass for the store's leases: the fake moves its clock, etcd is waited for. */
    protected abstract void pass(Duration time) throws Exception;

    /** Makes the store unreachable for every client (etcd stopped), and back. */
    protected abstract void cutOff() throws Exception;

    protected abstract void reconnect() throws Exception;

    /** How long a call may take before it must have failed: the request timeout, with room for scheduling. */
    protected abstract Duration callBound();

    private Dcs client() {
        Dcs dcs = newClient();
        opened.add(dcs);
        return dcs;
    }

    @AfterEach
    void closeClients() {
        opened.forEach(Dcs::close);
        opened.clear();
    }

    private static Member member(String name, Role role, Tags tags) {
        return new Member(name, "http://" + name + ":8008", name + ".example", 5432, role, "running", 3,
                0x3000060L, true, AT, tags);
    }

    @Test
    void aNewClusterHasNoKeys() throws Exception {
        ClusterState state = client().read();
        assertNull(state.initializedBy());
        assertNull(state.leader());
        assertTrue(state.members().isEmpty());
        assertNull(state.lastLeaderPosition());
        assertTrue(state.syncStandbys().isEmpty());
        assertNull(state.switchover());
        assertNull(state.failover());
        assertTrue(state.reinit().isEmpty());
    }

    @Test
    void onlyTheFirstClaimOfInitializeWinsAndOnlyItsHolderCompletesIt() throws Exception {
        Dcs a = client();
        Dcs b = client();
        assertTrue(a.claimInitialize("a"));
        assertFalse(b.claimInitialize("b"));
        b.completeInitialize("b", 1);
        b.abandonInitialize("b");
        assertEquals("a", b.read().initializedBy());
        a.completeInitialize("a", -2L); // system identifiers are unsigned 64-bit
        assertEquals("a 18446744073709551614", b.read().initializedBy());
        a.abandonInitialize("a"); // too late: a completed bootstrap is never undone
        assertEquals("a 18446744073709551614", b.read().initializedBy());
    }

    @Test
    void anAbandonedInitializeCanBeClaimedByAnother() throws Exception {
        Dcs a = client();
        Dcs b = client();
        assertTrue(a.claimInitialize("a"));
        a.abandonInitialize("a");
        assertNull(b.read().initializedBy());
        assertTrue(b.claimInitialize("b"));
    }

    @Test
    void noLeaderKeyOrMemberWithoutALease() {
        Dcs a = client();
        assertEquals(0, a.leaseId());
        assertThrows(DcsException.class, () -> a.acquireLeader("a"));
        assertThrows(DcsException.class, () -> a.publish(member("a", Role.PRIMARY, Tags.NONE)));
    }

    @Test
    void aLeaseIsValidForAtMostTheTtlFromTheRenewal() throws Exception {
        Dcs a = client();
        Duration granted = a.keepAlive();
        long id = a.leaseId();
        assertNotEquals(0, id);
        assertTrue(granted.compareTo(Duration.ZERO) > 0 && granted.compareTo(ttl()) <= 0, granted.toString());
        Duration renewed = a.keepAlive();
        assertEquals(id, a.leaseId(), "a live lease is renewed, not replaced");
        assertTrue(renewed.compareTo(Duration.ZERO) > 0 && renewed.compareTo(ttl()) <= 0, renewed.toString());
    }

    @Test
    void theLeaderKeyIsTakenOnceAndNamesTheHoldersLease() throws Exception {
        Dcs a = client();
        Dcs b = client();
        a.keepAlive();
        b.keepAlive();
        assertTrue(a.acquireLeader("a"));
        assertFalse(b.acquireLeader("b"));
        assertFalse(a.acquireLeader("a"), "taken only when absent, even by its holder");
        ClusterState state = b.read();
        assertEquals("a", state.leader().name());
        assertEquals(a.leaseId(), state.leader().leaseId());
    }

    @Test
    void onlyTheHolderReleasesTheLeaderKey() throws Exception {
        Dcs a = client();
        Dcs b = client();
        a.keepAlive();
        b.keepAlive();
        assertTrue(a.acquireLeader("a"));
        b.releaseLeader("a"); // the right name, another lease
        a.releaseLeader("b"); // the right lease, another name
        assertEquals("a", b.read().leader().name());
        a.releaseLeader("a");
        assertNull(b.read().leader());
        assertTrue(b.acquireLeader("b"));
    }

    @Test
    void anExpiredLeaseTakesTheLeaderKeyAndItsMemberWithIt() throws Exception {
        Dcs a = client();
        Dcs b = client();
        a.keepAlive();
        long expired = a.leaseId();
        a.publish(member("a", Role.PRIMARY, Tags.NONE));
        assertTrue(a.acquireLeader("a"));
        b.keepAlive();
        b.publish(member("b", Role.REPLICA, Tags.NONE));
        ClusterState state = awaitWhile(b, s -> s.leader() != null, ttl().multipliedBy(2)); // b renews, a does not
        assertNull(state.leader());
        assertEquals(Set.of("b"), state.members().keySet());
        assertTrue(b.acquireLeader("b"));
        assertThrows(DcsException.class, () -> client().adoptLease(expired));
        a.keepAlive(); // a lease anew: the old one is gone
        assertNotEquals(expired, a.leaseId());
        assertFalse(a.acquireLeader("a"));
    }

    /** Reads until {@code waiting} no longer holds, renewing {@code reader}'s lease; fails after {@code limit}. */
    private ClusterState awaitWhile(Dcs reader, java.util.function.Predicate<ClusterState> waiting, Duration limit)
            throws Exception {
        Duration step = Duration.ofMillis(250);
        for (Duration waited = Duration.ZERO; waited.compareTo(limit.plusSeconds(5)) < 0; waited = waited.plus(step)) {
            reader.keepAlive();
            ClusterState state = reader.read();
            if (!waiting.test(state)) {
                return state;
            }
            pass(step);
        }
        throw new AssertionError("the state did not change within " + limit.plusSeconds(5).toSeconds() + " s");
    }

    @Test
    void aRestartedAgentAdoptsItsLeaseAndKeepsTheKey() throws Exception {
        Dcs before = client();
        before.keepAlive();
        assertTrue(before.acquireLeader("a"));
        long id = before.leaseId();
        Dcs after = client(); // the agent's next run, which finds its own name on the leader key
        Duration granted = after.adoptLease(id);
        assertTrue(granted.compareTo(Duration.ZERO) > 0 && granted.compareTo(ttl()) <= 0, granted.toString());
        assertEquals(id, after.leaseId());
        assertEquals(id, after.read().leader().leaseId());
        after.releaseLeader("a"); // the adopted lease is its own now
        assertNull(after.read().leader());
    }

    @Test
    void aMemberReadsBackAsItWasPublished() throws Exception {
        Dcs a = client();
        a.keepAlive();
        Member primary = member("a", Role.PRIMARY, Tags.NONE);
        Member tagged = member("a", Role.REPLICA, new Tags(true, true));
        a.publish(primary);
        assertEquals(Map.of("a", primary), a.read().members());
        a.publish(tagged);
        assertEquals(Map.of("a", tagged), client().read().members());
    }

    @Test
    void positionAndSyncStandbysOutliveTheLease() throws Exception {
        Dcs a = client();
        a.keepAlive();
        LeaderPosition position = new LeaderPosition("a", 3, 0x3000060L, true);
        a.publishLeaderPosition(position);
        a.writeSyncStandbys("a", Set.of("b", "c"));
        ClusterState state = client().read();
        assertEquals(position, state.lastLeaderPosition());
        assertEquals(Set.of("b", "c"), state.syncStandbys());
        assertEquals("a", state.syncLeader());
        a.writeSyncStandbys("b", Set.of());
        assertTrue(client().read().syncStandbys().isEmpty());
        assertEquals("b", client().read().syncLeader());
    }

    @Test
    void maintenanceModeIsSetReadAndEnded() throws Exception {
        Dcs operator = client();
        assertFalse(client().read().paused());
        Instant since = Instant.parse("2026-12-01T10:00:00Z");
        operator.pause(since);
        assertEquals(since, client().read().pausedSince());
        operator.resume();
        assertFalse(client().read().paused());
        operator.resume(); // ending it twice is harmless
        assertNull(client().read().pausedSince());
    }

    @Test
    void timelineSwitchesAreRecordedOnceAndReadOldestFirst() throws Exception {
        Dcs leader = client();
        assertTrue(client().history().isEmpty());
        TimelineSwitch fromFile = new TimelineSwitch(2, 1, 0x3000060L, "from the history file", null, null);
        TimelineSwitch failover = new TimelineSwitch(17, 2, 0x1_0000_0028L, "failover: a lost its leader key", AT, "b");
        leader.recordTimelines(List.of(failover));
        leader.recordTimelines(List.of(fromFile, new TimelineSwitch(17, 2, 0x1_0000_0028L, "vaguer", null, null)));
        assertEquals(List.of(fromFile, failover), client().history(), "oldest first, each timeline's first record kept");
        assertNull(client().read().switchover(), "the history is not mistaken for another key");
    }

    @Test
    void requestsAreWrittenReadAndCleared() throws Exception {
        Dcs operator = client();
        Dcs agent = client();
        Switchover switchover = new Switchover("a", "b", AT);
        operator.requestSwitchover(switchover);
        assertEquals(switchover, agent.read().switchover());
        agent.clearSwitchover();
        assertNull(operator.read().switchover());

        operator.requestRestart("a", AT);
        operator.requestRestart("b", AT);
        assertEquals(Set.of("a", "b"), agent.read().restart());
        agent.clearRestart("a");
        assertEquals(Set.of("b"), agent.read().restart());
        assertTrue(agent.read().reinit().isEmpty(), "a restart is not a reinit");

        operator.requestReinit("b");
        operator.requestReinit("c");
        assertEquals(Set.of("b", "c"), agent.read().reinit());
        agent.clearReinit("b");
        assertEquals(Set.of("c"), agent.read().reinit());

        Failover failover = new Failover("b", AT);
        operator.requestFailover(failover);
        assertEquals(failover, agent.read().failover());
        agent.clearFailover();
        assertNull(agent.read().failover());
    }

    @Test
    void aFailoverRequestIsWithdrawnOnlyIfNoOtherWasWrittenSince() throws Exception {
        Dcs operator = client();
        Dcs agent = client();
        Failover first = new Failover("b", AT);
        Failover second = new Failover("c", AT.plusSeconds(1));
        operator.requestFailover(first);
        operator.requestFailover(second);
        agent.withdrawFailover(first);
        assertEquals(second, agent.read().failover());
        agent.withdrawFailover(second);
        assertNull(agent.read().failover());
    }

    @Test
    void anUnreachableStoreFailsEveryCallWithinTheTimeout() throws Exception {
        Dcs a = client();
        a.keepAlive();
        assertTrue(a.acquireLeader("a"));
        cutOff();
        try {
            for (DcsCall call : List.<DcsCall>of(a::read, a::keepAlive, () -> a.acquireLeader("a"),
                    () -> a.requestSwitchover(new Switchover("a", "b", AT)))) {
                long started = System.nanoTime();
                assertThrows(DcsException.class, call::run);
                Duration took = Duration.ofNanos(System.nanoTime() - started);
                assertTrue(took.compareTo(callBound()) <= 0, "a call failed only after " + took.toMillis() + " ms");
            }
        } finally {
            reconnect();
        }
        awaitWhile(a, s -> false, Duration.ZERO); // reachable again: renewed and read
    }

    @Test
    void aWarmUpNeverFailsAndWaitsNoLongerThanItsLimit() throws Exception {
        Dcs a = client();
        a.warmUp(Duration.ofSeconds(5));
        assertNull(a.read().leader(), "a warm-up writes nothing");
        cutOff();
        try {
            long started = System.nanoTime();
            a.warmUp(Duration.ofMillis(300)); // unreachable: returns, throws nothing
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertTrue(took.toMillis() < 1000, "the warm-up took " + took.toMillis() + " ms for a 300 ms limit");
        } finally {
            reconnect();
        }
    }

    private interface DcsCall {
        void run() throws DcsException;
    }
}
