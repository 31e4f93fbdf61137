package dev.pgvault.ha.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.ha.Bootstrap;
import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.ReplicaMethod;
import dev.pgvault.ha.api.InMemoryDcs;
import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.Leader;
import dev.pgvault.ha.cluster.LeaderPosition;
import dev.pgvault.ha.cluster.Member;
import dev.pgvault.ha.cluster.Role;
import dev.pgvault.ha.cluster.TimelineSwitch;
import dev.pgvault.ha.pg.Standby;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The agent loop with a fake etcd and a fake PostgreSQL on clocks the test moves. */
class HaAgentTest {
    /** The wall clock, which an operator or NTP may step. */
    private final MovingClock clock = new MovingClock(Instant.parse("2026-11-26T10:00:00Z"));
    /** Real elapsed time, which etcd's lease expiry follows too. */
    private final MovingClock steady = new MovingClock(Instant.parse("2026-11-26T10:00:00Z"));
    private final InMemoryDcs dcs = new InMemoryDcs(ClusterState.empty());
    private final FakePostgres pg = new FakePostgres();
    private final List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>(); // one test runs the agent's loop on a thread

    static final class MovingClock extends Clock {
        volatile Instant now; // read by the watchdog thread

        MovingClock(Instant start) {
            now = start;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** Real time passes: both clocks move. */
    private void advance(Duration d) {
        clock.now = clock.now.plus(d);
        steady.now = steady.now.plus(d);
    }

    private HaAgent agent(boolean synchronous) {
        return agent(synchronous, null);
    }

    /** An agent of node n1 whose commits wait for {@code syncReceiver} while it streams (null: none). */
    private HaAgent agent(boolean synchronous, String syncReceiver) {
        return agent(synchronous, syncReceiver, Duration.ofSeconds(10));
    }

    private HaAgent agent(boolean synchronous, String syncReceiver, Duration ttl) {
        dcs.clock = steady;
        dcs.ttl = ttl;
        HaSettings settings = new HaSettings("demo", "n1", List.of(URI.create("http://127.0.0.1:2379")),
                ttl, Duration.ofSeconds(1), "127.0.0.1", 8008, "127.0.0.1", 5432, 1 << 20,
                synchronous, List.of(ReplicaMethod.BASEBACKUP), Bootstrap.INITDB, null).withSyncReceiver(syncReceiver);
        return new HaAgent(settings, dcs, pg, null, clock, steady, log::add);
    }

    @Test
    void bootstrapsThenDemotesBeforeItsLeaseCouldExpireWhenEtcdVanishes() {
        HaAgent agent = agent(false);
        agent.cycle();
        assertEquals(List.of("initdb", "configure primary", "start"), pg.calls);
        assertTrue(agent.state().leader(), log.toString());
        agent.cycle();
        assertTrue(log.get(log.size() - 1).startsWith("LEAD"), log.toString());

        Instant lastRenewal = steady.now;
        Instant demotedAt = demotedWhileEtcdIsDown(agent, second -> { });
        Instant expiry = lastRenewal.plusSeconds(10);
        assertTrue(!demotedAt.plus(HaSettings.STOP_BUDGET).isAfter(expiry),
                "demoted at " + demotedAt + ", too late for a " + HaSettings.STOP_BUDGET + " shutdown before " + expiry);
        assertTrue(demotedAt.isAfter(lastRenewal.plusSeconds(1)), "one failed renewal is tolerated: " + log);
        assertTrue(pg.running && pg.inRecovery, "restarted read-only: " + pg.calls);
        assertFalse(agent.state().leader());
    }

    @Test
    void onAFourSecondLeaseTheLeaderRidesOutOneFailedRenewalAndStopsWritesBeforeItsLeaseCouldExpire() {
        HaAgent agent = agent(false, null, Duration.ofSeconds(4));
        agent.cycle();
        agent.cycle();
        assertTrue(log.get(log.size() - 1).startsWith("LEAD"), log.toString());

        Instant lastRenewal = steady.now;
        Instant demotedAt = demotedWhileEtcdIsDown(agent, second -> { });
        Duration margin = Duration.ofSeconds(1); // the watchdog's immediate stop on a short lease
        assertTrue(!demotedAt.plus(margin).isAfter(lastRenewal.plusSeconds(4)),
                "demoted at " + demotedAt + ", later than a second before the lease taken at " + lastRenewal + " could expire");
        assertTrue(demotedAt.isAfter(lastRenewal.plusSeconds(1)), "one failed renewal is tolerated: " + log);
        assertTrue(pg.running && pg.inRecovery, "restarted read-only: " + pg.calls);
    }

    @Test
    void aWallClockSteppedBackDoesNotStretchTheLease() {
        HaAgent agent = agent(false);
        agent.cycle();
        agent.cycle();
        assertTrue(agent.state().leader(), log.toString());

        Instant lastRenewal = steady.now;
        Instant demotedAt = demotedWhileEtcdIsDown(agent, second -> {
            if (second == 2) {
                clock.now = clock.now.minusSeconds(30); // NTP steps the wall clock back mid-outage
            }
        });
        assertTrue(!demotedAt.plus(HaSettings.STOP_BUDGET).isAfter(lastRenewal.plusSeconds(10)),
                "demoted at " + demotedAt + ", after the lease taken at " + lastRenewal + " could expire");
        assertFalse(agent.state().writablePrimary(clock.now), "the API no longer calls it the primary");
    }

    @Test
    void theApiDoesNotCallAPrimaryWritableOnceItsLeaseCouldHaveExpiredWhateverTheWallClockDid() {
        HaAgent agent = agent(false);
        agent.cycle();
        agent.cycle();
        assertTrue(agent.state().writablePrimary(clock.now), log.toString());
        // a cycle hangs for 10 s of real time, and NTP steps the wall clock back 30 s meanwhile
        steady.now = steady.now.plusSeconds(10);
        clock.now = clock.now.minusSeconds(20);
        assertFalse(agent.state().writablePrimary(clock.now), "the lease taken 10 s ago may have expired");
    }

    @Test
    void aPromotionLongerThanTheLeaseKeepsTheKeyByRenewingTheSameLease() {
        HaAgent agent = agent(false);
        followN2ThenLoseIt(agent);
        pg.onPromote = () -> {
            for (int i = 0; i < 3; i++) { // 12 s of replay at the end of recovery, over a 10 s lease
                steady.now = steady.now.plusSeconds(4);
                clock.now = clock.now.plusSeconds(4);
                sleep(1500); // the agent renews every loop-wait (1 s) of real time
            }
        };
        agent.cycle();
        assertTrue(pg.calls.contains("promote"), log.toString());
        assertEquals("n1", dcs.leaderName(), "the key outlived the promotion: " + log);
        assertTrue(agent.state().leader() && agent.state().writablePrimary(clock.now), log.toString());
        assertFalse(pg.calls.contains("stop immediately"), pg.calls.toString());
    }

    @Test
    void aFailoverIsRecordedInTheHistoryWithWhyAndWhoOnceAndTheTimelinesBeforeItFromTheHistoryFile() throws Exception {
        HaAgent agent = agent(false);
        pg.timeline = 2;
        dcs.position = new LeaderPosition("n2", 2, 2000);
        followN2ThenLoseIt(agent);
        agent.cycle();
        assertTrue(pg.calls.contains("promote"), log.toString());
        Instant promotedAt = clock.now;
        List<TimelineSwitch> expected = List.of(
                new TimelineSwitch(2, 1, 0x1_0000_0000L, "read from the history file of timeline 3", null, null),
                new TimelineSwitch(3, 2, 0x2_0000_0000L, "failover: n2 lost its leader key", promotedAt, "n1"));
        assertEquals(expected, dcs.history(), log.toString());
        advance(Duration.ofSeconds(1));
        agent.cycle();
        assertTrue(log.get(log.size() - 1).startsWith("LEAD"), log.toString());
        assertEquals(expected, dcs.history(), "leading on does not record it again");
    }

    @Test
    void aLeaderOnATimelineItsAgentDidNotSeeBeginRecordsItAsFound() throws Exception {
        HaAgent agent = agent(false);
        agent.cycle(); // bootstrap
        pg.timeline = 2; // as a cluster restored from a backup, whose recovery ended on a new timeline
        advance(Duration.ofSeconds(1));
        agent.cycle();
        assertEquals(List.of(new TimelineSwitch(2, 1, 0x1_0000_0000L,
                "found leading on it; the promotion was not recorded when it happened", null, "n1")), dcs.history(),
                log.toString());
    }

    @Test
    void aRestartRequestRestartsTheLeadersPostgresKeepingItsKeyAndIsTakenOnce() {
        HaAgent agent = agent(false);
        agent.cycle(); // bootstrap
        pg.calls.clear();
        dcs.restart.add("n1");
        advance(Duration.ofSeconds(1));
        agent.cycle();
        assertEquals(List.of("stop", "start"), pg.calls, log.toString());
        assertTrue(dcs.restart.isEmpty(), "the request is taken");
        assertEquals("n1", dcs.leaderName());
        assertTrue(agent.state().leader() && pg.running && !pg.inRecovery, log.toString());
        advance(Duration.ofSeconds(1));
        agent.cycle();
        assertEquals(List.of("stop", "start"), pg.calls, "restarted once: " + log);
        assertTrue(log.get(log.size() - 1).startsWith("LEAD"), log.toString());
        assertEquals("running", dcs.members.get("n1").state());
    }

    /** A primary's restart keeps renewing its lease through the shutdown: on a 4 s lease a 3 s shutdown must not lapse it. */
    @Test
    void aRestartingPrimaryRenewsItsLeaseWhileItsShutdownRuns() {
        HaAgent agent = agent(false, null, Duration.ofSeconds(4));
        agent.cycle(); // bootstrap
        dcs.restart.add("n1");
        advance(Duration.ofSeconds(1));
        int[] renewedDuringStop = {-1};
        pg.duringStop = () -> {
            int before = dcs.keepAlives.get();
            try {
                Thread.sleep(1600); // a shutdown of 1.6 s, real time: the keeper renews after each second
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            renewedDuringStop[0] = dcs.keepAlives.get() - before;
        };
        agent.cycle();
        assertTrue(renewedDuringStop[0] >= 1, "renewals during the shutdown: " + renewedDuringStop[0] + " " + log);
        assertTrue(agent.state().leader() && pg.running && !pg.inRecovery, log.toString());
        assertEquals("n1", dcs.leaderName());
    }

    /**
     * The lease lost while the restart's shutdown ran (the keeper's renewal found it gone and was
     * granted another, which holds no key): PostgreSQL is not started writable on that other lease.
     */
    @Test
    void aRestartWhoseLeaseWasLostDuringTheShutdownDoesNotStartAPrimary() {
        HaAgent agent = agent(false, null, Duration.ofSeconds(4));
        agent.cycle(); // bootstrap
        dcs.restart.add("n1");
        advance(Duration.ofSeconds(1));
        pg.duringStop = () -> {
            advance(Duration.ofSeconds(5)); // etcd lets the lease go meanwhile
            try {
                Thread.sleep(1600); // the keeper renews after a second: a new lease
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        agent.cycle();
        assertTrue(log.stream().anyMatch(l -> l.contains("the lease expired while PostgreSQL was stopping for a restart")),
                log.toString());
        assertFalse(pg.running && !pg.inRecovery, "no primary started without the key: " + pg.calls + " " + log);
        assertFalse(agent.state().writablePrimary(clock.now), log.toString());
    }

    @Test
    void theLeaderKeepsASlotPerOtherMemberAndDropsOnlyItsOwnOnceTheMemberIsGone() {
        HaAgent agent = agent(false);
        agent.cycle(); // bootstrap
        pg.slots.existing.put("backup_tool", false); // an operator's
        dcs.members.put("n2", new Member("n2", "http://h:8008", "h", 5433, Role.REPLICA, "running", 1, 1000, true, clock.now));
        dcs.members.put("Node-3", new Member("Node-3", "http://h:8009", "h", 5434, Role.REPLICA, "running", 1, 1000, true,
                clock.now));
        advance(Duration.ofSeconds(1));
        agent.cycle();
        assertEquals(java.util.Map.of("n2", false, "node_3", false, "backup_tool", false), pg.slots.existing, log.toString());
        assertTrue(log.contains("created replication slot node_3"), log.toString());
        pg.slots.existing.put("n2", true); // n2 streams through it
        dcs.members.remove("n2");
        dcs.members.remove("Node-3");
        advance(Duration.ofSeconds(1));
        agent.cycle();
        assertEquals(java.util.Map.of("n2", true, "backup_tool", false), pg.slots.existing,
                "node_3 dropped; n2 in use and the operator's slot kept: " + log);
        assertEquals(java.util.Set.of("n2"), pg.slots.ours);
    }

    @Test
    void aStandbyStreamsThroughItsOwnSlotAndDropsTheSlotsItMadeAsLeader() {
        HaAgent agent = agent(false);
        pg.slots.existing.put("n3", false);
        pg.slots.ours.add("n3"); // made while this node led
        followN2ThenLoseIt(agent);
        assertEquals(java.util.Map.of(), pg.slots.existing, log.toString());
        assertTrue(pg.calls.contains("configure standby of n2 through slot n1"), pg.calls.toString());
    }

    @Test
    void aLeaderDropsAManualFailoverRequest() {
        HaAgent agent = agent(false);
        agent.cycle(); // bootstrap
        dcs.failover = new dev.pgvault.ha.cluster.Failover("n2", clock.now);
        advance(Duration.ofSeconds(1));
        agent.cycle();
        assertEquals(null, dcs.failover, log.toString());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("dropping the manual failover request to n2: the leader is healthy")),
                log.toString());
        assertTrue(agent.state().leader());
    }

    @Test
    void aLeaderWhosePostgresWillNotStartHandsTheKeyToAReplicaThatCanTakeOver() {
        HaAgent agent = leaderWhosePostgresWillNotStartBeside(new Member("n2", "http://h:8008", "h", 5433, Role.REPLICA,
                "running", 1, 1000, true, clock.now), 0);
        assertTrue(log.get(log.size() - 1).startsWith("START_PRIMARY failed: PostgreSQL did not start"), log.toString());
        assertEquals("n1", dcs.leaderName(), "the failure is counted; the next decision acts on it");
        advance(Duration.ofSeconds(1));
        agent.cycle();
        assertTrue(log.get(log.size() - 1).equals("HAND_OVER: PostgreSQL did not start as the primary (1 time);"
                + " n2 can take over: stopping it and releasing the leader key"), log.toString());
        assertTrue(pg.calls.contains("stop immediately"), pg.calls.toString());
        assertEquals(null, dcs.leaderName(), "the key is free for n2");
        assertFalse(agent.state().leader());
    }

    @Test
    void aLeaderWhosePostgresWillNotStartKeepsTheKeyWhenNoReplicaCanTakeOver() {
        HaAgent agent = leaderWhosePostgresWillNotStartBeside(new Member("n2", "http://h:8008", "h", 5433, Role.REPLICA,
                "running", 1, 1000, true, clock.now), 11); // n2 then writes nothing for 11 s: silent longer than a ttl
        assertTrue(log.get(log.size() - 1).startsWith("START_PRIMARY failed: PostgreSQL did not start"), log.toString());
        advance(Duration.ofSeconds(1));
        agent.cycle();
        assertTrue(log.get(log.size() - 1).startsWith("START_PRIMARY failed: PostgreSQL did not start"), log.toString());
        assertEquals("n1", dcs.leaderName());
    }

    /**
     * A run of failed starts ends once the server runs, even when no start of the agent's worked
     * (pg_ctl gave up while crash recovery went on, then it finished): a crash weeks later is met
     * by starting PostgreSQL again first, not by handing the key over at once.
     */
    @Test
    void aLeaderWhosePostgresCameUpAfterAllTriesItselfFirstAtTheNextCrash() {
        HaAgent agent = leaderWhosePostgresWillNotStartBeside(new Member("n2", "http://h:8008", "h", 5433, Role.REPLICA,
                "running", 1, 1000, true, clock.now), 11);
        pg.startFails = null;
        pg.running = true; // up on its own
        advance(Duration.ofSeconds(1));
        agent.cycle();
        dcs.members.put("n2", new Member("n2", "http://h:8008", "h", 5433, Role.REPLICA, "running", 1, 1000, true,
                clock.now)); // n2 reports again: it could take over
        advance(Duration.ofSeconds(1));
        agent.cycle();
        assertTrue(log.get(log.size() - 1).startsWith("LEAD"), log.toString());
        pg.running = false;
        pg.startFails = new dev.pgvault.ha.pg.PgControlException("PostgreSQL did not start (pg_ctl exited 1)");
        advance(Duration.ofSeconds(1));
        agent.cycle();
        assertTrue(log.get(log.size() - 2).startsWith("START_PRIMARY: holding the leader key"), log.toString());
        assertEquals("n1", dcs.leaderName());
    }

    /**
     * A switchover whose shutdown was not clean: the leader keeps the key, starts again as the
     * primary, and drops the request; it never releases the key to a target that may lack WAL.
     */
    @Test
    void aSwitchoverWhoseShutdownWasNotCleanLeavesTheLeaderLeading() throws Exception {
        HaAgent agent = agent(false);
        agent.cycle(); // bootstrap
        dcs.members.put("n2", new Member("n2", "http://h:8008", "h", 5433, Role.REPLICA, "running", 1, 1000, true,
                clock.now));
        dcs.requestSwitchover(new dev.pgvault.ha.cluster.Switchover("n1", "n2", clock.now));
        pg.stopsUnclean = true;
        advance(Duration.ofSeconds(1));
        agent.cycle();
        assertTrue(log.stream().anyMatch(l -> l.equals("switchover to n2: the shutdown was not clean, so n2 may lack WAL;"
                + " keeping the leader key")), log.toString());
        assertEquals("n1", dcs.leaderName());
        pg.stopsUnclean = false;
        for (int i = 0; i < 3; i++) {
            advance(Duration.ofSeconds(1));
            agent.cycle();
        }
        assertTrue(pg.running && !pg.inRecovery, "the primary again: " + log);
        assertEquals(null, dcs.switchover, log.toString());
        assertEquals("n1", dcs.leaderName());
        assertTrue(log.get(log.size() - 1).startsWith("LEAD"), log.toString());
        assertFalse(pg.calls.contains("configure standby of n2"), pg.calls.toString());
    }

    /** etcd goes away; one cycle a second until the agent stops PostgreSQL; when that was, on the steady clock. */
    private Instant demotedWhileEtcdIsDown(HaAgent agent, java.util.function.IntConsumer eachSecond) {
        dcs.down = true;
        for (int second = 1; second <= 12; second++) {
            advance(Duration.ofSeconds(1));
            eachSecond.accept(second);
            agent.cycle();
            if (pg.calls.contains("stop")) {
                return steady.now;
            }
        }
        throw new AssertionError("never demoted: " + log);
    }

    /**
     * n1 bootstraps and leads beside {@code other}, which then publishes nothing for {@code
     * silentSeconds}; n1's postmaster dies and will not start again (a full disk, say).
     */
    private HaAgent leaderWhosePostgresWillNotStartBeside(Member other, int silentSeconds) {
        HaAgent agent = agent(false);
        agent.cycle();
        dcs.members.put(other.name(), other);
        agent.cycle();
        for (int i = 0; i < silentSeconds; i++) {
            advance(Duration.ofSeconds(1));
            agent.cycle();
        }
        pg.running = false;
        pg.startFails = new dev.pgvault.ha.pg.PgControlException("PostgreSQL did not start (pg_ctl exited 1)");
        advance(Duration.ofSeconds(1));
        agent.cycle();
        return agent;
    }

    @Test
    void aReplicaWhoseClockIsAMinuteBehindStillCountsAsFurtherAhead() {
        HaAgent agent = agent(false);
        followN2ThenLoseIt(agent);
        // n3 reports every second, each time stamped a minute behind this node's clock
        for (int i = 0; i < 3; i++) {
            dcs.members.put("n3", new Member("n3", "http://h3:8008", "h3", 5432, Role.REPLICA, "running", 1, 5000,
                    false, clock.now.minusSeconds(60)));
            agent.cycle();
            assertFalse(pg.calls.contains("promote"), log.toString());
            assertTrue(log.get(log.size() - 1).startsWith("WAIT: no leader; n3 is further ahead"), log.toString());
            advance(Duration.ofSeconds(1));
        }
    }

    /**
     * A replica further ahead but tagged nofailover never takes the key, so waiting for it would
     * leave the cluster without a primary. The tag must survive this agent's own bookkeeping of
     * when each member reported (it once did not: every other member read as untagged).
     */
    @Test
    void aReplicaFurtherAheadButTaggedNofailoverIsNotWaitedFor() {
        HaAgent agent = agent(false);
        followN2ThenLoseIt(agent);
        dcs.members.put("n3", new Member("n3", "http://h3:8008", "h3", 5432, Role.REPLICA, "running", 1, 5000,
                false, clock.now, new dev.pgvault.ha.cluster.Tags(true, false)));
        agent.cycle();
        assertTrue(pg.calls.contains("promote"), log.toString());
        assertEquals("n1", dcs.leaderName());
    }

    /**
     * n2 leads on timeline 2; this node's stopped standby on timeline 1 fails to start three
     * times (PostgreSQL refuses a timeline that forked before its minimum recovery point), then
     * would start: the next decision is a rewind.
     */
    private void failThreeStandbyStartsBehindANewerTimeline(HaAgent agent) {
        n2LeadsOnTimeline(2);
        pg.running = false;
        pg.startFails = new dev.pgvault.ha.pg.PgControlException("FATAL:  requested timeline 2 does not contain"
                + " minimum recovery point 0/3000060 on timeline 1");
        for (int i = 0; i < 3; i++) {
            agent.cycle();
            assertTrue(log.get(log.size() - 2).startsWith("START_REPLICA"), log.toString());
            advance(Duration.ofSeconds(1));
        }
        pg.startFails = null;
    }

    @Test
    void aStandbyThatFailsToStartThreeTimesBehindANewerTimelineIsRewound() {
        HaAgent agent = agent(false);
        failThreeStandbyStartsBehindANewerTimeline(agent);
        agent.cycle();
        assertTrue(pg.calls.contains("rewind n2"), log.toString());
        assertTrue(pg.running, "started after the rewind: " + log);
    }

    /**
     * A source that cannot be reached (refused, timed out, a password refused; or the query that
     * readies it for pg_rewind failing) leaves the target untouched: the rewind is tried again,
     * and the data directory is never moved aside over it.
     */
    @Test
    void aRewindWhoseSourceCannotBeReachedIsTriedAgainAndNothingIsReplaced() {
        HaAgent agent = agent(false);
        failThreeStandbyStartsBehindANewerTimeline(agent);
        pg.rewindFails = new dev.pgvault.ha.pg.SourceUnreachableException("cannot ready postgres@h:5432 for pg_rewind:"
                + " Connection to h:5432 refused.");
        for (int i = 0; i < 2; i++) {
            agent.cycle();
            assertTrue(log.get(log.size() - 1).startsWith("REWIND failed: cannot ready postgres@h:5432"), log.toString());
            advance(Duration.ofSeconds(1));
        }
        assertFalse(pg.calls.contains("move aside") || pg.calls.stream().anyMatch(c -> c.startsWith("basebackup")),
                pg.calls.toString());
        pg.rewindFails = null;
        agent.cycle();
        assertTrue(pg.running, "started after the rewind: " + log);
        assertEquals(3, pg.calls.stream().filter(c -> c.equals("rewind n2")).count(), pg.calls.toString());
    }

    @Test
    void aFailedRewindMovesTheDirectoryAsideUnlessDeltaReseedingIsOn() {
        List<String> repo = new java.util.ArrayList<>();
        dev.pgvault.ha.pg.Repository repository = new dev.pgvault.ha.pg.Repository() {
            @Override
            public void initStanza() {
            }

            @Override
            public boolean hasBackup() {
                return true;
            }

            @Override
            public void restoreLatest(Duration timeout) {
                repo.add("restore latest");
            }

            @Override
            public void seedReplica(dev.pgvault.ha.pg.Upstream upstream, Duration timeout) {
                repo.add("seed from " + upstream.name());
                pg.hasData = true;
            }

            @Override
            public void reseedReplica(dev.pgvault.ha.pg.Upstream upstream, Duration timeout) {
                repo.add("delta reseed from " + upstream.name());
                pg.hasData = true;
            }
        };
        for (boolean delta : List.of(false, true)) {
            repo.clear();
            pg.calls.clear();
            dcs.clock = steady;
            HaSettings settings = new HaSettings("demo", "n1", List.of(URI.create("http://127.0.0.1:2379")),
                    Duration.ofSeconds(10), Duration.ofSeconds(1), "127.0.0.1", 8008, "127.0.0.1", 5432, 1 << 20, false,
                    List.of(ReplicaMethod.REPOSITORY), Bootstrap.INITDB, null).withReseedDelta(delta);
            HaAgent agent = new HaAgent(settings, dcs, pg, repository, clock, steady, log::add);
            failThreeStandbyStartsBehindANewerTimeline(agent);
            pg.rewindFails = new dev.pgvault.ha.pg.PgControlException("pg_rewind: error: could not find common ancestor");
            agent.cycle();
            assertTrue(pg.calls.contains("rewind n2"), log.toString());
            assertFalse(pg.running, "a failed pg_rewind is never started: " + log);
            assertTrue(repo.isEmpty() && !pg.calls.contains("move aside"), "nothing replaced within the action: " + log);
            // an agent restarted now (killed, say) reads the record beside the data directory: the
            // same decision, and still nothing started
            HaAgent restarted = new HaAgent(settings, dcs, pg, repository, clock, steady, log::add);
            List<String> before = List.copyOf(repo);
            assertTrue(before.isEmpty() && !pg.running, log.toString());
            agent = restarted;
            advance(Duration.ofSeconds(1));
            agent.cycle();
            assertTrue(log.stream().anyMatch(l -> l.startsWith("RESEED_AFTER_REWIND: pg_rewind did not finish (pg_rewind: error:"
                    + " could not find common ancestor)")), log.toString());
            assertEquals(null, pg.unfinishedRewind, "replaced: no rewind pending");
            if (delta) {
                assertTrue(pg.calls.contains("forget unfinished rewind"), pg.calls.toString());
                assertEquals(List.of("delta reseed from n2"), repo, log.toString());
                assertFalse(pg.calls.contains("move aside"), "brought back in place: " + pg.calls);
            } else {
                assertEquals(List.of("seed from n2"), repo, log.toString());
                assertTrue(pg.calls.contains("move aside"), "kept aside, never overwritten: " + pg.calls);
            }
            assertTrue(pg.running, "started after the reseed: " + log);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aStandbyJustStartedIsSeenStreamingWithinMomentsNotALoopLater() throws Exception {
        // loop-wait 3 s: without the quick looks, streaming would be seen at the next cycle, 3 s on
        dcs.clock = steady;
        dcs.ttl = Duration.ofSeconds(30);
        HaSettings settings = new HaSettings("demo", "n1", List.of(URI.create("http://127.0.0.1:2379")),
                Duration.ofSeconds(30), Duration.ofSeconds(3), "127.0.0.1", 8008, "127.0.0.1", 5432, 1 << 20, false,
                List.of(ReplicaMethod.BASEBACKUP), Bootstrap.INITDB, null);
        HaAgent agent = new HaAgent(settings, dcs, pg, null, clock, steady, log::add);
        n2LeadsOnTimeline(1);
        Thread loop = new Thread(agent::run, "agent-under-test");
        loop.start();
        try {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (agent.state() == null || !agent.state().pg().runningReplica()) {
                assertTrue(System.nanoTime() < deadline, "never started as a standby: " + log);
                sleep(10);
            }
            assertFalse(agent.state().pg().streaming());
            sleep(300); // the first cycle is over: the loop waits
            long began = System.nanoTime();
            pg.streaming = true;
            while (!agent.state().pg().streaming()) {
                assertTrue(System.nanoTime() - began < 2_500_000_000L, "streaming not seen: " + log);
                sleep(10);
            }
            long tookMillis = (System.nanoTime() - began) / 1_000_000;
            assertTrue(tookMillis < 1000, "streaming seen " + tookMillis + " ms after it began, with a 3 s loop-wait");
            assertTrue(log.stream().filter(l -> l.startsWith("WAIT: replica streaming from n2")).count() == 1, log.toString());
        } finally {
            agent.stop();
            loop.join(10_000);
        }
        assertFalse(loop.isAlive());
    }

    /** n2 leads, running as the primary on {@code timeline}; this node has a standby's data directory. */
    private void n2LeadsOnTimeline(int timeline) {
        dcs.initializedBy = "n2";
        dcs.leader = new Leader("n2", 0x9999);
        dcs.members.put("n2", new Member("n2", "http://h:8008", "h", 5432, Role.PRIMARY, "running", timeline,
                timeline == 1 ? 2000 : 9000, false, clock.now));
        pg.hasData = true;
        pg.inRecovery = true;
    }

    /** n1 streams from n2, then n2's key expires: the next cycle promotes n1. */
    private void followN2ThenLoseIt(HaAgent agent) {
        n2LeadsOnTimeline(1);
        agent.cycle();
        pg.streaming = true;
        agent.cycle();
        dcs.leader = null;
        dcs.members.remove("n2");
        pg.streaming = false;
        advance(Duration.ofSeconds(1));
    }

    /** Member n2 joins as a replica and streams, beside {@code receiver}. */
    private void standbyN2StreamsBesides(Standby receiver) {
        dcs.members.put("n2", new Member("n2", "http://h:8008", "h", 5432, Role.REPLICA, "running", 1, 1000, false,
                clock.now));
        pg.standbys = List.of(receiver, new Standby("n2", "streaming", "async", 0));
    }

    @Test
    void commitsWaitForTheSynchronousReceiverOnlyWhileItStreams() {
        HaAgent agent = agent(true, "pgvault-n1");
        agent.cycle(); // bootstrap
        assertEquals("", pg.standbyNames);
        Standby receiver = new Standby("pgvault-n1", "streaming", "async", 0);
        pg.standbys = List.of(receiver);
        advance(Duration.ofSeconds(1));
        agent.cycle();
        assertEquals("\"pgvault-n1\"", pg.standbyNames, "no standby yet: commits wait for the receiver alone " + log);

        // a standby comes: the sync set grows first, then PostgreSQL waits for both
        standbyN2StreamsBesides(receiver);
        for (int i = 0; i < 2; i++) {
            advance(Duration.ofSeconds(1));
            agent.cycle();
        }
        assertEquals(Set.of("n1", "n2"), dcs.sync);
        assertEquals("FIRST 2 (\"pgvault-n1\", \"n2\")", pg.standbyNames, log.toString());

        // the receiver stops (its repository is down): commits stop waiting for it, not for the standby
        pg.standbys = List.of(new Standby("n2", "streaming", "sync", 0));
        advance(Duration.ofSeconds(1));
        agent.cycle();
        assertEquals("\"n2\"", pg.standbyNames, log.toString());
        assertTrue(log.stream().anyMatch(l -> l.contains("the receiver pgvault-n1 stopped streaming")), log.toString());

        // and back: waited for again
        pg.standbys = List.of(receiver, new Standby("n2", "streaming", "sync", 0));
        advance(Duration.ofSeconds(1));
        agent.cycle();
        assertEquals("FIRST 2 (\"pgvault-n1\", \"n2\")", pg.standbyNames, log.toString());
    }

    /**
     * An agent restarted while PostgreSQL runs with {@code FIRST 2} applied: the names it writes
     * again include the streaming receiver from the first write on. Written without it, even for
     * one reload, a commit acknowledged in between could be missing from the repository.
     */
    @Test
    void aRestartedAgentNeverWritesTheNamesWithoutAStreamingReceiver() {
        HaAgent first = agent(true, "pgvault-n1");
        first.cycle(); // bootstrap
        Standby receiver = new Standby("pgvault-n1", "streaming", "async", 0);
        standbyN2StreamsBesides(receiver);
        for (int i = 0; i < 3; i++) {
            advance(Duration.ofSeconds(1));
            first.cycle();
        }
        assertEquals("FIRST 2 (\"pgvault-n1\", \"n2\")", pg.standbyNames, log.toString());

        // the agent's process restarts (systemd's Restart=); PostgreSQL, the standby and the receiver run on
        pg.standbys = List.of(receiver, new Standby("n2", "streaming", "sync", 0));
        int before = pg.standbyNamesWritten.size();
        HaAgent restarted = agent(true, "pgvault-n1");
        for (int i = 0; i < 3; i++) {
            advance(Duration.ofSeconds(1));
            restarted.cycle();
        }
        assertTrue(restarted.state().leader(), "the lease taken back: " + log);
        List<String> written = pg.standbyNamesWritten.subList(before, pg.standbyNamesWritten.size());
        assertFalse(written.isEmpty(), "the restarted agent applies the names: " + log);
        for (String names : written) {
            assertTrue(names.contains("\"pgvault-n1\""), "written without the streaming receiver: " + written + " " + log);
        }
        assertEquals("FIRST 2 (\"pgvault-n1\", \"n2\")", pg.standbyNames, log.toString());
    }

    @Test
    void withoutASynchronousReceiverAStreamingReceiverIsNeverWaitedFor() {
        HaAgent agent = agent(true);
        agent.cycle();
        pg.standbys = List.of(new Standby("pgvault-n1", "streaming", "async", 0));
        advance(Duration.ofSeconds(1));
        agent.cycle();
        assertEquals("", pg.standbyNames, log.toString());
    }

    @Test
    void anInternalErrorInOneActionDoesNotStopTheLoopNorTheLeadership() {
        HaAgent agent = agent(true);
        agent.cycle(); // bootstrap
        pg.standbysFail = new IllegalStateException("a bug");
        agent.cycle();
        assertTrue(log.stream().anyMatch(l -> l.contains("LEAD failed with an internal error")), log.toString());
        assertTrue(agent.state().leader(), "still the leader: the key and the lease are untouched");
        pg.standbysFail = null;
        advance(Duration.ofSeconds(1));
        agent.cycle();
        assertTrue(log.get(log.size() - 1).startsWith("LEAD"), log.toString());
    }

    @Test
    void aReplicaTakesOverWhenTheLeaderKeyExpires() {
        HaAgent agent = agent(false);
        dcs.initializedBy = "n2";
        dcs.leader = new Leader("n2", 0x9999);
        dcs.members.put("n2", new Member("n2", "http://h:8008", "h", 5432, Role.PRIMARY, "running", 1, 2000, false,
                clock.now));
        pg.hasData = true;
        pg.inRecovery = true; // a stopped standby, not a former primary
        agent.cycle();
        assertEquals(List.of("configure standby of n2 through slot n1", "start"), pg.calls, log.toString());
        pg.streaming = true;
        agent.cycle();
        assertTrue(log.get(log.size() - 1).startsWith("WAIT: replica streaming from n2"), log.toString());

        dcs.leader = null; // n2's lease expired
        dcs.members.remove("n2");
        pg.streaming = false;
        advance(Duration.ofSeconds(1));
        boolean[] armedDuringPromote = {false};
        pg.onPromote = () -> armedDuringPromote[0] = agent.watchdogArmed();
        agent.cycle();
        assertTrue(armedDuringPromote[0], "a promote that outlasts the lease is stopped by the watchdog");
        assertTrue(pg.calls.contains("promote"), log.toString());
        assertEquals("n1", dcs.leaderName());
        assertEquals(2, pg.timeline);
    }
}
