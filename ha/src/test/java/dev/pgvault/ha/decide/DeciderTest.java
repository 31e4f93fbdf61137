package dev.pgvault.ha.decide;

import static dev.pgvault.ha.decide.Situation.NOW;
import static dev.pgvault.ha.decide.Situation.member;
import static dev.pgvault.ha.decide.Situation.primary;
import static dev.pgvault.ha.decide.Situation.replica;
import static dev.pgvault.ha.decide.Situation.stopped;
import static dev.pgvault.ha.decide.Situation.tagged;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.ha.cluster.Failover;
import dev.pgvault.ha.cluster.Leader;
import dev.pgvault.ha.cluster.LeaderPosition;
import dev.pgvault.ha.cluster.Member;
import dev.pgvault.ha.cluster.Role;
import dev.pgvault.ha.cluster.Switchover;
import dev.pgvault.ha.pg.PgStatus;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The decision over many snapshots; each asserts the action and the words an operator reads in the log. */
class DeciderTest {

    private static void expect(Situation s, Action action, String reasonPart) {
        Decision d = s.decide();
        assertEquals(action, d.action(), d.toString());
        assertTrue(d.reason().contains(reasonPart), "reason '" + d.reason() + "' lacks '" + reasonPart + "'");
    }

    @Nested
    class Bootstrap {
        @Test
        void anUninitializedClusterIsClaimedForInitdb() {
            Situation s = new Situation();
            s.initializedBy = null;
            s.pg = PgStatus.empty();
            expect(s, Action.INITIALIZE, "claiming it to run initdb");
        }

        @Test
        void anUninitializedClusterIsClaimedWithExistingData() {
            Situation s = new Situation();
            s.initializedBy = null;
            s.pg = stopped(true);
            expect(s, Action.INITIALIZE, "existing data directory");
        }

        @Test
        void anotherNodesBootstrapIsWaitedFor() {
            Situation s = new Situation();
            s.initializedBy = "n2";
            s.pg = PgStatus.empty();
            expect(s, Action.WAIT, "no leader to copy from");
        }

        @Test
        void ownUnfinishedBootstrapIsResumed() {
            Situation s = new Situation();
            s.initializedBy = "n1";
            s.pg = PgStatus.empty();
            expect(s, Action.INITIALIZE, "unfinished bootstrap");
        }

        @Test
        void anEmptyNodeSeedsFromARunningLeader() {
            Situation s = new Situation().leader("n2").with(member("n2", Role.PRIMARY, 1, 5000));
            s.pg = PgStatus.empty();
            Decision d = s.decide();
            assertEquals(Action.SEED, d.action());
            assertEquals("n2", d.target().name());
        }

        @Test
        void anEmptyNodeWaitsForALeaderThatIsNotRunningYet() {
            Member starting = new Member("n2", "u", "h", 1, Role.STOPPED, "starting", 0, 0, false, NOW);
            Situation s = new Situation().leader("n2").with(starting);
            s.pg = PgStatus.empty();
            expect(s, Action.WAIT, "waiting for leader n2 to run as primary");
        }
    }

    @Nested
    class Leading {
        @Test
        void aLeaderWithALiveLeaseLeads() {
            Situation s = new Situation().leader("n1");
            s.pg = primary(1, 5000);
            expect(s, Action.LEAD, "lease renewed");
        }

        @Test
        void aLeaderWhoseLeaseCouldExpireWithinTheMarginDemotes() {
            Situation s = new Situation().leader("n1");
            s.pg = primary(1, 5000);
            s.leaseValidUntil = NOW.plusSeconds(5); // margin = 1 s loop + 2 s request + 3 s stop
            expect(s, Action.DEMOTE, "could not be renewed");
        }

        @Test
        void aLeaderWithAStandbyPromotesIt() {
            Situation s = new Situation().leader("n1");
            s.pg = replica(1, 5000, false);
            expect(s, Action.PROMOTE, "promoting");
        }

        @Test
        void aLeaderWithAStoppedPrimaryStartsIt() {
            Situation s = new Situation().leader("n1");
            s.pg = stopped(true);
            expect(s, Action.START_PRIMARY, "stopped");
        }

        @Test
        void aLeaderAskedToRestartRestartsKeepingTheKeyButNotOnALeaseThatCouldExpire() {
            Situation s = new Situation().leader("n1");
            s.pg = primary(1, 5000);
            s.restart.add("n1");
            expect(s, Action.RESTART, "keeping the leader key");
            s.leaseValidUntil = NOW.plusSeconds(5);
            expect(s, Action.DEMOTE, "could not be renewed");
            s.restart.clear();
            s.restart.add("n2");
            s.leaseValidUntil = NOW.plusSeconds(10);
            expect(s, Action.LEAD, "lease renewed");
        }

        /**
         * While the leader holds the key nobody else can serve: once its PostgreSQL failed to
         * start as the primary, a replica the election would let take over is handed the key;
         * with none (silent longer than a ttl, or tagged nofailover) the leader keeps trying.
         */
        @Test
        void aLeaderWhosePrimaryFailedToStartHandsOverOnlyToAReplicaThatCanTakeOver() {
            Situation s = new Situation().leader("n1").with(member("n2", Role.REPLICA, 1, 1000));
            s.pg = stopped(true);
            expect(s, Action.START_PRIMARY, "stopped");
            s.failedPrimaryStarts = 1;
            expect(s, Action.HAND_OVER, "did not start as the primary (1 time); n2 can take over: stopping it");
            s.pg = new PgStatus(true, true, true, 1, 1000, false, false, false, 42); // still in crash recovery
            expect(s, Action.HAND_OVER, "n2 can take over");
            s.pg = primary(1, 1000); // it came up after all
            expect(s, Action.LEAD, "lease renewed");
            Situation silent = new Situation().leader("n1");
            silent.with(new Member("n2", "http://h:8008", "h", 5432, Role.REPLICA, "running", 1, 1000, true,
                    NOW.minusSeconds(11)));
            silent.pg = stopped(true);
            silent.failedPrimaryStarts = 2;
            expect(silent, Action.START_PRIMARY, "stopped");
            Situation tagged = new Situation().leader("n1").with(tagged(member("n2", Role.REPLICA, 1, 1000),
                    new dev.pgvault.ha.cluster.Tags(true, false)));
            tagged.pg = stopped(true);
            tagged.failedPrimaryStarts = 1;
            expect(tagged, Action.START_PRIMARY, "stopped");
        }

        @Test
        void aLeaderWithoutDataReleasesTheKey() {
            Situation s = new Situation().leader("n1");
            s.pg = PgStatus.empty();
            expect(s, Action.RELEASE, "without a data directory");
        }

        @Test
        void aLeaderKeyOfAnEarlierRunIsAdopted() {
            Situation s = new Situation();
            s.leader = new Leader("n1", 0x9999);
            s.pg = primary(1, 5000);
            expect(s, Action.ADOPT_LEASE, "earlier run");
        }
    }

    @Nested
    class EtcdUnreachable {
        @Test
        void aPrimaryKeepsRunningWhileTheLeaseSurelyHolds() {
            Situation s = new Situation();
            s.etcdDown = true;
            s.pg = primary(1, 5000);
            s.leaseValidUntil = NOW.plusSeconds(8);
            expect(s, Action.WAIT, "the lease holds until");
        }

        @Test
        void aPrimaryDemotesBeforeTheLeaseCanExpire() {
            Situation s = new Situation();
            s.etcdDown = true;
            s.pg = primary(1, 5000);
            s.leaseValidUntil = NOW.plusSeconds(6);
            expect(s, Action.DEMOTE, "etcd unreachable and the lease could expire");
        }

        /**
         * ttl 4: renewed at NOW - 1.4 s, the next renewal failed after its 0.4 s timeout: 2.6 s
         * left, over the 2.4 s margin (1 s loop + 0.4 s request + 1 s immediate stop), so one
         * failure is ridden out; the next one, a second later, demotes with 1.6 s left.
         */
        @Test
        void onAShortLeaseAPrimarySurvivesOneFailedRenewalAndDemotesOnTheSecond() {
            Situation s = new Situation();
            s.ttl = Duration.ofSeconds(4);
            s.etcdDown = true;
            s.pg = primary(1, 5000);
            s.leaseValidUntil = NOW.plusMillis(2600);
            expect(s, Action.WAIT, "the lease holds until");
            s.leaseValidUntil = NOW.plusMillis(1600);
            expect(s, Action.DEMOTE, "etcd unreachable and the lease could expire");
            s.leaseValidUntil = NOW.plusMillis(2400);
            expect(s, Action.DEMOTE, "etcd unreachable and the lease could expire");
        }

        @Test
        void aPrimaryThatNeverHadALeaseDemotes() {
            Situation s = new Situation();
            s.etcdDown = true;
            s.pg = primary(1, 5000);
            s.leaseValidUntil = null;
            expect(s, Action.DEMOTE, "etcd unreachable");
        }

        @Test
        void aReplicaJustWaits() {
            Situation s = new Situation();
            s.etcdDown = true;
            expect(s, Action.WAIT, "nothing to do as a replica");
        }
    }

    @Nested
    class Following {
        @Test
        void aPrimaryThatIsNotTheLeaderDemotes() {
            Situation s = new Situation().leader("n2").with(member("n2", Role.PRIMARY, 2, 9000));
            s.pg = primary(1, 5000);
            Decision d = s.decide();
            assertEquals(Action.DEMOTE, d.action());
            assertEquals("n2", d.target().name());
        }

        @Test
        void aPrimaryDemotesEvenBeforeTheLeaderPublishedItsMemberKey() {
            Situation s = new Situation().leader("n2");
            s.pg = primary(1, 5000);
            Decision d = s.decide();
            assertEquals(Action.DEMOTE, d.action());
            assertNull(d.target());
        }

        @Test
        void aStoppedFormerPrimaryIsRewound() {
            Situation s = new Situation().leader("n2").with(member("n2", Role.PRIMARY, 2, 9000));
            s.pg = stopped(true);
            expect(s, Action.REWIND, "rewinding before following it");
        }

        /**
         * A leader that holds the key but still promotes reports itself a replica: pg_rewind against
         * it would see its old timeline and change nothing, and the promotion would then fork
         * before this node's end (HaClusterIT met it after a resume).
         */
        @Test
        void aStoppedFormerPrimaryWaitsForTheLeaderToRunAsPrimaryBeforeRewinding() {
            Situation s = new Situation().leader("n2").with(member("n2", Role.REPLICA, 1, 9000));
            s.pg = stopped(true);
            expect(s, Action.WAIT, "waiting for leader n2 to run as primary before rewinding against it");
            Situation failing = new Situation().leader("n2").with(new Member("n2", "http://h:8008", "h", 5432,
                    Role.PRIMARY, "stopped", 2, 9000, false, NOW.minusSeconds(1)));
            failing.pg = stopped(false);
            failing.failedStandbyStarts = 3;
            expect(failing, Action.START_REPLICA, "follow n2");
        }

        @Test
        void aRunningStandbyAskedToRestartRestartsAndAStoppedOneIsStartedInstead() {
            Situation s = new Situation().leader("n2").with(member("n2", Role.PRIMARY, 1, 9000));
            s.restart.add("n1");
            s.following = "n2";
            s.pg = replica(1, 5000, true);
            expect(s, Action.RESTART, "restarting the standby");
            s.pg = stopped(false);
            expect(s, Action.START_REPLICA, "starting it to follow n2");
            s.pg = primary(1, 5000);
            expect(s, Action.DEMOTE, "demoting this primary");
        }

        @Test
        void aStoppedStandbyIsStarted() {
            Situation s = new Situation().leader("n2").with(member("n2", Role.PRIMARY, 1, 9000));
            s.pg = stopped(false);
            expect(s, Action.START_REPLICA, "follow n2");
        }

        /**
         * A standby that streamed a former primary's last WAL (restarted read-only before the
         * election) is past the start of the new leader's timeline: PostgreSQL refuses to start
         * ("requested timeline does not contain minimum recovery point"), so after failed starts
         * it is rewound, not started forever (found by HaClusterIT's maintenance-mode test).
         */
        @Test
        void aStandbyThatKeepsFailingToStartBehindANewerTimelineIsRewound() {
            Situation s = new Situation().leader("n2").with(member("n2", Role.PRIMARY, 2, 9000));
            s.pg = stopped(false); // timeline 1
            s.failedStandbyStarts = 2;
            expect(s, Action.START_REPLICA, "follow n2");
            s.failedStandbyStarts = 3;
            expect(s, Action.REWIND, "failed to start as a standby 3 times in a row, on timeline 1 while leader n2 is on 2");
            Situation same = new Situation().leader("n2").with(member("n2", Role.PRIMARY, 1, 9000));
            same.pg = stopped(false);
            same.failedStandbyStarts = 5; // no newer timeline: a rewind would not help; keep trying
            expect(same, Action.START_REPLICA, "follow n2");
        }

        /**
         * A pg_rewind that ran and failed may leave the data directory half rewound: it is never
         * started again, not as a standby and not before a leader race, only replaced by a copy
         * of a running primary.
         */
        @Test
        void afterAFailedRewindTheDataDirectoryIsReplacedAndNeverStarted() {
            Situation s = new Situation().leader("n2").with(member("n2", Role.PRIMARY, 2, 9000));
            s.pg = stopped(true);
            s.failedRewind = "pg_rewind exited 1: could not find common ancestor";
            expect(s, Action.RESEED_AFTER_REWIND, "pg_rewind did not finish (pg_rewind exited 1: could not find common"
                    + " ancestor): moving the data directory aside and seeding again from n2");
            s.pg = stopped(false);
            expect(s, Action.RESEED_AFTER_REWIND, "seeding again from n2");
            Situation noLeader = new Situation().with(member("n2", Role.REPLICA, 2, 9000));
            noLeader.pg = stopped(true);
            noLeader.failedRewind = "pg_rewind exited 1";
            expect(noLeader, Action.WAIT, "the data directory is not started; waiting for a leader running as primary");
            Situation stoppedLeader = new Situation().leader("n2").with(new Member("n2", "http://h:8008", "h", 5432,
                    Role.PRIMARY, "stopped", 2, 9000, false, NOW.minusSeconds(1)));
            stoppedLeader.pg = stopped(false);
            stoppedLeader.failedRewind = "pg_rewind exited 1";
            expect(stoppedLeader, Action.WAIT, "waiting for a leader running as primary");
            Situation paused = new Situation().leader("n2").with(member("n2", Role.PRIMARY, 2, 9000));
            paused.pausedSince = NOW.minusSeconds(30);
            paused.pg = stopped(true);
            paused.failedRewind = "pg_rewind exited 1";
            expect(paused, Action.WAIT, "is seeded again after ha resume");
            paused.reinit.add("n1");
            expect(paused, Action.RESEED_AFTER_REWIND, "seeding again from n2");
        }

        /**
         * The record comes before every other rule, the safety rules included: a demotion would
         * restart PostgreSQL as a standby, an election could make it the leader. Whatever started
         * it is undone at once, and this node never leads with it.
         */
        @Test
        void aHalfRewoundDataDirectoryIsStoppedWhereverItRunsAndNeverLeads() {
            Situation running = new Situation().with(member("n2", Role.REPLICA, 2, 9000));
            running.pg = primary(1, 5000); // started by hand after the agent died mid-rewind; no leader
            running.failedRewind = "pg_rewind against n2 started at 2026-11-26T09:59:00Z and did not finish";
            expect(running, Action.STOP, "stopping the PostgreSQL that runs on the data directory");
            running.etcdDown = true;
            expect(running, Action.STOP, "stopping");
            running.pg = replica(1, 5000, false);
            running.etcdDown = false;
            running.leader("n2").with(member("n2", Role.PRIMARY, 2, 9000));
            expect(running, Action.STOP, "stopping");
            Situation down = new Situation();
            down.etcdDown = true;
            down.pg = stopped(true);
            down.failedRewind = "x";
            expect(down, Action.WAIT, "etcd unreachable; the data directory is not started");
            Situation leading = new Situation().leader("n1").with(member("n2", Role.REPLICA, 1, 1000));
            leading.pg = stopped(true);
            leading.failedRewind = "x";
            expect(leading, Action.RELEASE, "releasing the leader key: this node cannot lead with it");
        }

        @Test
        void aReplicaPointedElsewhereFollowsTheNewLeader() {
            Situation s = new Situation().leader("n2").with(member("n2", Role.PRIMARY, 2, 9000));
            s.following = "n3";
            expect(s, Action.FOLLOW, "following new leader n2");
        }

        @Test
        void aStreamingReplicaWaits() {
            Situation s = new Situation().leader("n2").with(member("n2", Role.PRIMARY, 1, 9000));
            s.following = "n2";
            expect(s, Action.WAIT, "replica streaming from n2");
        }

        @Test
        void aReplicaStuckOnAnOlderTimelineIsRewound() {
            Situation s = new Situation().leader("n2").with(member("n2", Role.PRIMARY, 2, 9000));
            s.following = "n2";
            s.pg = replica(1, 5000, false);
            s.notStreamingSince = NOW.minusSeconds(11);
            expect(s, Action.REWIND, "on timeline 1 while it is on 2");
        }

        @Test
        void aReplicaNotStreamingForAShortWhileWaits() {
            Situation s = new Situation().leader("n2").with(member("n2", Role.PRIMARY, 2, 9000));
            s.following = "n2";
            s.pg = replica(1, 5000, false);
            s.notStreamingSince = NOW.minusSeconds(3);
            expect(s, Action.WAIT, "not streaming yet");
        }

        @Test
        void aReplicaOnTheSameTimelineIsNeverRewound() {
            Situation s = new Situation().leader("n2").with(member("n2", Role.PRIMARY, 1, 9000));
            s.following = "n2";
            s.pg = replica(1, 5000, false);
            s.notStreamingSince = NOW.minusSeconds(60);
            expect(s, Action.WAIT, "not streaming yet");
        }

        @Test
        void reinitReseedsFromTheLeader() {
            Situation s = new Situation().leader("n2").with(member("n2", Role.PRIMARY, 1, 9000));
            s.reinit.add("n1");
            expect(s, Action.RESEED, "reinit requested");
        }
    }

    @Nested
    class Failover_ {
        private Situation noLeader() {
            Situation s = new Situation();
            s.lastPosition = new LeaderPosition("n0", 1, 1000);
            s.pg = replica(1, 1000, false);
            return s;
        }

        @Test
        void theHealthiestReplicaTakesTheKey() {
            Situation s = noLeader().with(member("n2", Role.REPLICA, 1, 900));
            expect(s, Action.ACQUIRE, "the healthiest replica");
        }

        @Test
        void aReplicaBehindAnotherWaits() {
            Situation s = noLeader().with(member("n2", Role.REPLICA, 1, 1100));
            expect(s, Action.WAIT, "n2 is further ahead");
        }

        @Test
        void aTieGoesToTheSmallerName() {
            Situation s = noLeader().with(member("n0b", Role.REPLICA, 1, 1000));
            expect(s, Action.WAIT, "n0b is further ahead");
            Situation t = noLeader().with(member("n2", Role.REPLICA, 1, 1000));
            expect(t, Action.ACQUIRE, "healthiest");
        }

        @Test
        void aNewerTimelineWinsOverMoreWal() {
            Situation s = noLeader().with(member("n2", Role.REPLICA, 2, 10));
            expect(s, Action.WAIT, "n2 is further ahead");
        }

        @Test
        void aMemberThatStoppedReportingIsNotCountedOn() {
            Member old = new Member("n2", "u", "h", 1, Role.REPLICA, "running", 1, 5000, true, NOW.minusSeconds(30));
            Situation s = noLeader().with(old);
            expect(s, Action.ACQUIRE, "healthiest");
        }

        @Test
        void aReplicaTooFarBehindTheLastLeaderPositionWaits() {
            Situation s = noLeader();
            s.lastPosition = new LeaderPosition("n0", 1, 1000 + (1 << 20) + 1);
            expect(s, Action.WAIT, "more than maximum-lag-on-failover");
        }

        @Test
        void aStoppedNodeStartsReadOnlyFirst() {
            Situation s = noLeader();
            s.pg = stopped(true);
            expect(s, Action.START_REPLICA, "read-only");
        }

        @Test
        void aRunningPrimaryWithALiveLeaseRetakesTheKey() {
            Situation s = noLeader();
            s.lastPosition = new LeaderPosition("n1", 1, 1900);
            s.pg = primary(1, 2000);
            expect(s, Action.ACQUIRE, "running primary without the leader key");
        }

        @Test
        void aRunningPrimaryDemotesWhenAnotherNodeLedSince() {
            Situation s = noLeader(); // n0 published the last position
            s.pg = primary(1, 2000);
            expect(s, Action.DEMOTE, "n0 led on timeline 1 since");
            Situation t = noLeader();
            t.lastPosition = new LeaderPosition("n1", 2, 10);
            t.pg = primary(1, 2000);
            expect(t, Action.DEMOTE, "led on timeline 2 since");
        }

        @Test
        void aRunningPrimaryWithoutALiveLeaseDemotes() {
            Situation s = noLeader();
            s.lastPosition = new LeaderPosition("n1", 1, 1900);
            s.pg = primary(1, 2000);
            s.leaseValidUntil = NOW.plusSeconds(1);
            expect(s, Action.DEMOTE, "without a live lease");
        }

        @Test
        void manualFailoverGoesToTheNamedNodeEvenIfBehind() {
            Situation s = noLeader().with(member("n2", Role.REPLICA, 1, 5000));
            s.failover = new Failover("n1", NOW.minusSeconds(1));
            expect(s, Action.ACQUIRE, "manual failover");
            Situation t = noLeader();
            t.failover = new Failover("n3", NOW.minusSeconds(1));
            expect(t, Action.WAIT, "manual failover to n3");
        }

        @Test
        void aStaleManualFailoverIsIgnored() {
            Situation s = noLeader();
            s.failover = new Failover("n3", NOW.minusSeconds(120));
            expect(s, Action.ACQUIRE, "healthiest");
        }
    }

    @Nested
    class Synchronous {
        private static Member stoppedStreaming(Member m) {
            return new Member(m.name(), m.apiUrl(), m.host(), m.port(), m.role(), m.state(), m.timeline(), m.lsn(),
                    false, m.updated(), m.tags());
        }

        private Situation noLeader() {
            Situation s = new Situation();
            s.synchronous = true;
            s.lastPosition = new LeaderPosition("n0", 1, 1000);
            return s;
        }

        @Test
        void onlyTheSynchronousStandbyMayBePromoted() {
            Situation s = noLeader().with(member("n2", Role.REPLICA, 1, 500));
            s.sync.add("n2");
            expect(s, Action.WAIT, "only [n2] may be promoted");
        }

        @Test
        void theSynchronousStandbyIsPromotedEvenWhenAnotherHasMoreWal() {
            // the other's extra WAL was never acknowledged to a client: nothing committed is lost
            Situation s = noLeader().with(member("n2", Role.REPLICA, 1, 5000));
            s.sync.add("n1");
            expect(s, Action.ACQUIRE, "synchronous standby");
        }

        @Test
        void noSynchronousStandbyYetMeansNoAutomaticFailover() {
            Situation s = noLeader();
            expect(s, Action.WAIT, "none yet");
        }

        /**
         * The leader acknowledged commits alone (no synchronous standby yet), then lost its key (its
         * agent froze, etcd went away): it holds every acknowledged commit, so it may lead again;
         * found by the simulation, where such a cluster stayed without a primary for good.
         */
        @Test
        void theLeaderThatWroteTheSyncSetMayTakeTheKeyBack() {
            Situation s = noLeader().with(member("n2", Role.REPLICA, 2, 5000));
            s.syncLeader = "n1";
            s.lastPosition = new LeaderPosition("n1", 2, 4000);
            s.pg = replica(2, 4100, false);
            expect(s, Action.ACQUIRE, "this node led last and holds every acknowledged commit");
            s.sync.add("n3"); // its synchronous standby, silent: it has nothing the leader lacks
            expect(s, Action.ACQUIRE, "this node led last");
            s.pg = replica(2, 3900, false); // less WAL than it published: not the data it led with
            expect(s, Action.WAIT, "synchronous mode: only");
        }

        @Test
        void aLeaderThatWroteTheSyncSetBeforeAnotherLedDoesNotTakeTheKeyBack() {
            Situation s = noLeader().with(member("n2", Role.REPLICA, 3, 500));
            s.syncLeader = "n2"; // n2 turned writable since: only it holds what it acknowledged
            s.lastPosition = new LeaderPosition("n1", 2, 4000); // its own position never reached etcd
            expect(s, Action.WAIT, "synchronous mode: only");
            Situation t = noLeader().with(member("n2", Role.REPLICA, 3, 500));
            t.syncLeader = "n1";
            t.lastPosition = new LeaderPosition("n2", 3, 400); // positions and sync key disagree: wait
            expect(t, Action.WAIT, "synchronous mode: only");
        }

        @Test
        void duringAChangeOfStandbyBothMustReportAndTheFurthestWins() {
            Situation r = noLeader().with(stoppedStreaming(member("n2", Role.REPLICA, 1, 1800)));
            r.sync.add("n1");
            r.sync.add("n2");
            expect(r, Action.WAIT, "synchronous mode: n2 is further ahead");
            Situation s = noLeader().with(stoppedStreaming(member("n2", Role.REPLICA, 1, 800)));
            s.sync.add("n1");
            s.sync.add("n2");
            expect(s, Action.ACQUIRE, "synchronous standby");
            // reported while still streaming: its position may have grown past this node's since
            // (its agent froze while its PostgreSQL went on receiving; found by the simulation)
            Situation u = noLeader().with(member("n2", Role.REPLICA, 1, 800));
            u.sync.add("n1");
            u.sync.add("n2");
            expect(u, Action.WAIT, "n2 may hold acknowledged commits and last reported still streaming");
            Situation t = noLeader();
            t.sync.add("n1");
            t.sync.add("n2");
            expect(t, Action.WAIT, "n2 may hold acknowledged commits and has not reported");
        }

        @Test
        void lagDoesNotStopTheSynchronousStandby() {
            Situation s = noLeader();
            s.sync.add("n1");
            s.lastPosition = new LeaderPosition("n0", 1, 1000 + (10 << 20));
            expect(s, Action.ACQUIRE, "synchronous standby");
        }
    }

    /** Maintenance mode: what an operator expects from Patroni's pause, and the safety kept. */
    @Nested
    class Paused {
        private Situation paused() {
            Situation s = new Situation();
            s.pausedSince = NOW.minusSeconds(30);
            return s;
        }

        @Test
        void theLeaderKeepsLeadingAndStillDemotesOnALeaseThatCouldExpire() {
            Situation s = paused().leader("n1");
            s.pg = primary(2, 5000);
            expect(s, Action.LEAD, "lease renewed");
            s.leaseValidUntil = NOW.plusSeconds(3);
            expect(s, Action.DEMOTE, "could expire");
        }

        @Test
        void aLeaderWhosePostgresWasStoppedReleasesTheKeyRatherThanStartIt() {
            Situation s = paused().leader("n1");
            s.pg = stopped(true);
            expect(s, Action.RELEASE, "instead of starting or promoting it");
        }

        @Test
        void aRestartIsStillCarriedOutOnAStandby() {
            Situation s = paused().leader("n2").with(member("n2", Role.PRIMARY, 1, 9000));
            s.restart.add("n1");
            s.pg = replica(1, 5000, true);
            expect(s, Action.RESTART, "restart requested");
            s.pg = stopped(false);
            expect(s, Action.WAIT, "no automatic action");
        }

        @Test
        void noReplicaTakesAKeyNobodyHoldsAndNothingIsStartedOrRewound() {
            Situation s = paused();
            s.lastPosition = new LeaderPosition("n0", 1, 1000);
            s.pg = replica(1, 2000, false);
            expect(s, Action.WAIT, "maintenance mode since");
            s.pg = stopped(true);
            expect(s, Action.WAIT, "no automatic action (a stopped PostgreSQL)");
            Situation r = paused().leader("n2").with(member("n2", Role.PRIMARY, 3, 9000));
            r.pg = stopped(true);
            expect(r, Action.WAIT, "no automatic action");
        }

        @Test
        void aPrimaryWithoutTheKeyIsLeftRunning() {
            Situation s = paused().leader("n2").with(member("n2", Role.PRIMARY, 3, 9000));
            s.pg = primary(2, 5000);
            expect(s, Action.WAIT, "a primary without the leader key, left running");
        }

        @Test
        void operatorRequestsStillWork() {
            Situation failover = paused();
            failover.pg = replica(1, 2000, false);
            failover.failover = new Failover("n1", NOW.minusSeconds(1));
            expect(failover, Action.ACQUIRE, "manual failover to this node");
            Situation target = paused();
            target.switchover = new Switchover("n0", "n1", NOW.minusSeconds(2));
            target.lastPosition = new LeaderPosition("n0", 1, 2000, true);
            target.pg = replica(1, 2100, true);
            expect(target, Action.ACQUIRE, "switchover target");
            Situation reinit = paused().leader("n2").with(member("n2", Role.PRIMARY, 3, 9000));
            reinit.reinit.add("n1");
            expect(reinit, Action.RESEED, "reinit requested");
        }
    }

    @Nested
    class Switchovers {
        /**
         * The shutdown for a switchover was not clean (it ran out of time and became immediate):
         * the target may lack WAL, so that very request is dropped once PostgreSQL runs again as
         * the primary; a new request is judged afresh.
         */
        @Test
        void aSwitchoverWhoseShutdownWasNotCleanIsCancelledAfterTheLeaderStartsAgain() {
            Situation s = new Situation().leader("n1").with(member("n2", Role.REPLICA, 1, 5000));
            s.switchover = new Switchover("n1", "n2", NOW.minusSeconds(2));
            s.failedHandover = s.switchover;
            s.pg = stopped(true);
            expect(s, Action.START_PRIMARY, "the shutdown for the switchover to n2 was not clean: starting again as the primary");
            // pg_control may say "shutting down" (an immediate stop during the shutdown checkpoint):
            // still the primary it was, not a standby to promote onto a new timeline
            s.pg = new PgStatus(true, false, false, 1, 5000, false, false, true, 42);
            expect(s, Action.START_PRIMARY, "starting again as the primary");
            s.pausedSince = NOW.minusSeconds(30); // maintenance mode: not a release that leaves no primary
            expect(s, Action.START_PRIMARY, "starting again as the primary");
            s.pausedSince = null;
            s.leaseValidUntil = NOW.plusSeconds(5); // a lease that could expire still demotes
            expect(s, Action.DEMOTE, "could not be renewed");
            s.leaseValidUntil = NOW.plusSeconds(10);
            s.pg = primary(1, 5000);
            expect(s, Action.CANCEL_SWITCHOVER, "switchover to n2 cancelled: the shutdown for it was not clean, so n2"
                    + " may lack WAL");
            s.switchover = new Switchover("n1", "n2", NOW.minusSeconds(1)); // asked again
            expect(s, Action.STEP_DOWN, "switchover to n2 requested");
        }

        @Test
        void theLeaderStepsDownToAStreamingTarget() {
            Situation s = new Situation().leader("n1").with(member("n2", Role.REPLICA, 1, 4900));
            s.pg = primary(1, 5000);
            s.switchover = new Switchover("n1", "n2", NOW.minusSeconds(1));
            Decision d = s.decide();
            assertEquals(Action.STEP_DOWN, d.action(), d.toString());
            assertEquals("n2", d.target().name());
        }

        @Test
        void theLeaderWaitsForATargetThatIsNotStreaming() {
            Member n2 = new Member("n2", "u", "h", 1, Role.REPLICA, "running", 1, 4900, false, NOW);
            Situation s = new Situation().leader("n1").with(n2);
            s.pg = primary(1, 5000);
            s.switchover = new Switchover("n1", "n2", NOW.minusSeconds(1));
            expect(s, Action.LEAD, "n2 is not a streaming replica");
        }

        /** Found by the simulation: a target cut off from etcd still reported streaming from the previous leader. */
        @Test
        void theLeaderWaitsForATargetOnAnotherTimeline() {
            Situation s = new Situation().leader("n1").with(member("n2", Role.REPLICA, 2, 4900));
            s.pg = primary(3, 5000);
            s.switchover = new Switchover("n1", "n2", NOW.minusSeconds(1));
            expect(s, Action.LEAD, "n2 is on timeline 2, not this primary's 3");
        }

        @Test
        void aSwitchoverToAnUnknownNodeWaitsThenIsDropped() {
            Situation s = new Situation().leader("n1");
            s.pg = primary(1, 5000);
            s.switchover = new Switchover("n1", "nx", NOW.minusSeconds(1));
            expect(s, Action.LEAD, "nx is not a member");
            s.switchover = new Switchover("n1", "nx", NOW.minusSeconds(61));
            expect(s, Action.CANCEL_SWITCHOVER, "did not happen");
        }

        @Test
        void theTargetWaitsForTheFinalWalThenTakesTheKey() {
            Situation s = new Situation();
            s.switchover = new Switchover("n0", "n1", NOW.minusSeconds(2));
            s.lastPosition = new LeaderPosition("n0", 1, 2000, true);
            s.pg = replica(1, 2000, true);
            expect(s, Action.WAIT, "final WAL");
            // what the agent looks for between cycles meanwhile, to take the key at once
            assertEquals(java.util.OptionalLong.of(2000), Decider.finalWalAwaited("n1", s.snapshot().cluster(), s.pg));
            assertEquals(java.util.OptionalLong.empty(), Decider.finalWalAwaited("n2", s.snapshot().cluster(), s.pg));
            s.pg = replica(1, 2100, true);
            expect(s, Action.ACQUIRE, "switchover target");
            assertEquals(java.util.OptionalLong.empty(), Decider.finalWalAwaited("n1", s.snapshot().cluster(), s.pg));
            s.pg = replica(1, 2000, true);
            s.lastPosition = new LeaderPosition("n0", 1, 2000); // a running leader's position: nothing handed over
            assertEquals(java.util.OptionalLong.empty(), Decider.finalWalAwaited("n1", s.snapshot().cluster(), s.pg));
        }

        /** Found by the simulation: the request looked stale to the target, fresh to the leader (its agent restarted). */
        @Test
        void theTargetTakesAHandoverHoweverOldTheRequestLooksToIt() {
            Situation s = new Situation();
            s.switchover = new Switchover("n0", "n1", NOW.minusSeconds(300));
            s.lastPosition = new LeaderPosition("n0", 1, 2000, true);
            s.pg = replica(1, 2100, true);
            expect(s, Action.ACQUIRE, "switchover target");
        }

        @Test
        void othersStandBackDuringASwitchover() {
            Situation s = new Situation().with(member("n2", Role.REPLICA, 1, 10));
            s.switchover = new Switchover("n0", "n2", NOW.minusSeconds(2));
            s.lastPosition = new LeaderPosition("n0", 1, 5, true);
            s.pg = replica(1, 99999, true);
            expect(s, Action.WAIT, "switchover to n2 in progress");
        }

        @Test
        void othersDoNotWaitForATargetThatFellSilentAfterTheHandover() {
            Member silent = new Member("n2", "u", "h", 1, Role.REPLICA, "running", 1, 10, true, NOW.minusSeconds(11));
            Situation s = new Situation().with(silent);
            s.switchover = new Switchover("n0", "n2", NOW.minusSeconds(12));
            s.lastPosition = new LeaderPosition("n0", 1, 5, true);
            s.pg = replica(1, 99999, true);
            expect(s, Action.ACQUIRE, "the healthiest replica");
        }

        /**
         * A switchover requested from an earlier leader: its target waits for that leader's
         * handover, so a new leader stepping down for it was never followed and took the key back
         * at once, on a new timeline every two seconds (found by the simulation).
         */
        @Test
        void aLeaderDropsASwitchoverRequestedFromAnotherLeader() {
            Situation s = new Situation().leader("n1").with(member("n2", Role.REPLICA, 1, 4900));
            s.pg = primary(1, 5000);
            s.switchover = new Switchover("n0", "n2", NOW.minusSeconds(1));
            expect(s, Action.CANCEL_SWITCHOVER, "n0 no longer leads");
        }

        @Test
        void aLeaderThatDiedInsteadOfHandingOverLeavesAnOrdinaryFailover() {
            // the pending target is behind and not the synchronous standby: it must not jump the queue
            Situation target = new Situation().with(member("n2", Role.REPLICA, 1, 5000));
            target.switchover = new Switchover("n0", "n1", NOW.minusSeconds(2));
            target.lastPosition = new LeaderPosition("n0", 1, 1500); // a running leader's, not a final one
            target.pg = replica(1, 1600, false);
            expect(target, Action.WAIT, "n2 is further ahead");
            Situation sync = new Situation();
            sync.synchronous = true;
            sync.switchover = new Switchover("n0", "n1", NOW.minusSeconds(2));
            sync.lastPosition = new LeaderPosition("n0", 1, 1500);
            sync.sync.add("n2");
            expect(sync, Action.WAIT, "only [n2] may be promoted");
        }
    }
}
