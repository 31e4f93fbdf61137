package dev.pgvault.ha.agent;

import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.LeaderPosition;
import dev.pgvault.ha.dcs.Dcs;
import dev.pgvault.ha.dcs.DcsException;
import dev.pgvault.ha.pg.LocalPostgres;
import dev.pgvault.ha.pg.PgControlException;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Records in etcd how this node's timelines began ({@code ha history}): once per timeline and
 * run. A history file that cannot be read is logged and not asked for again; etcd failing is
 * retried on the next call. Never fails the cycle: the history is for people, not for decisions.
 */
final class HistoryRecorder {
    private final String me;
    private final Dcs dcs;
    private final LocalPostgres postgres;
    private final Consumer<String> log;
    /** The newest timeline recorded (or whose history could not be read). */
    private int recorded;

    HistoryRecorder(String me, Dcs dcs, LocalPostgres postgres, Consumer<String> log) {
        this.me = me;
        this.dcs = dcs;
        this.postgres = postgres;
        this.log = log;
    }

    /** Why {@code me} was promoted, from the state the decision was made on. */
    static String promotionReason(String me, ClusterState cluster) {
        LeaderPosition last = cluster.lastLeaderPosition();
        String previous = last == null || last.leader().equals(me) ? null : last.leader();
        if (cluster.switchover() != null && cluster.switchover().to().equals(me)) {
            return "switchover" + (previous == null ? "" : " from " + previous);
        }
        if (cluster.failover() != null && cluster.failover().to().equals(me)) {
            return "manual failover" + (previous == null ? "" : " from " + previous);
        }
        return previous == null ? "promoted holding the leader key" : "failover: " + previous + " lost its leader key";
    }

    /** Records how {@code timeline} began on this node, for {@code reason}, at {@code at} (null: unknown). */
    void record(int timeline, String reason, Instant at) {
        if (timeline <= 1 || timeline == recorded) {
            return;
        }
        try {
            dcs.recordTimelines(TimelineRecords.of(timeline, postgres.timelineHistory(timeline), reason, at, me));
            recorded = timeline;
        } catch (PgControlException | IllegalArgumentException e) {
            log.accept("the history of timeline " + timeline + " is not recorded: " + e.getMessage());
            recorded = timeline;
        } catch (DcsException e) {
            // the next call tries again
        }
    }
}
