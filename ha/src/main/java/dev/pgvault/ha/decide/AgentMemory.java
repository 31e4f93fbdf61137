package dev.pgvault.ha.decide;

import dev.pgvault.ha.cluster.Switchover;
import java.time.Instant;

/**
 * What the agent carries from one cycle to the next, as the decision needs it: its lease, and the
 * outcomes of earlier actions that the next decisions weigh (the actions themselves decide nothing).
 *
 * @param leaseId the etcd lease this agent holds, 0 when none
 * @param leaseValidUntil until when that lease is certainly alive (send time of the last successful
 *     renewal plus the ttl), null when never renewed
 * @param following the member this node's standby was last pointed at, null when none
 * @param notStreamingSince since when the standby has not been streaming from {@code following}, null while it streams
 * @param failedStandbyStarts how many starts as a standby in a row have failed (a standby past a
 *     new timeline's start never comes up without a rewind)
 * @param failedPrimaryStarts how many starts as the primary in a row have failed (while this node
 *     holds the key nobody else can serve: a replica that can take over is handed the key)
 * @param failedRewind why a pg_rewind did not finish, null when none is pending: the data directory
 *     may be half rewound, so it is never started again, only replaced by a new copy
 * @param failedHandover the switchover whose handover shutdown was not clean (its target may lack
 *     WAL), null when none: it is cancelled, and this node leads on
 */
public record AgentMemory(long leaseId, Instant leaseValidUntil, String following, Instant notStreamingSince,
        int failedStandbyStarts, int failedPrimaryStarts, String failedRewind, Switchover failedHandover) {

    public static AgentMemory fresh() {
        return new AgentMemory(0, null, null, null, 0, 0, null, null);
    }

    public AgentMemory withLease(long id, Instant validUntil) {
        return new AgentMemory(id, validUntil, following, notStreamingSince, failedStandbyStarts, failedPrimaryStarts,
                failedRewind, failedHandover);
    }

    public AgentMemory withNotStreamingSince(Instant since) {
        return new AgentMemory(leaseId, leaseValidUntil, following, since, failedStandbyStarts, failedPrimaryStarts,
                failedRewind, failedHandover);
    }

    /** Now pointed at {@code leader} (null: nobody) by a standby that runs, not yet known not to stream from it. */
    public AgentMemory following(String leader) {
        return new AgentMemory(leaseId, leaseValidUntil, leader, null, 0, failedPrimaryStarts, failedRewind,
                failedHandover);
    }

    public AgentMemory withFailedStandbyStarts(int count) {
        return new AgentMemory(leaseId, leaseValidUntil, following, notStreamingSince, count, failedPrimaryStarts,
                failedRewind, failedHandover);
    }

    public AgentMemory withFailedPrimaryStarts(int count) {
        return new AgentMemory(leaseId, leaseValidUntil, following, notStreamingSince, failedStandbyStarts, count,
                failedRewind, failedHandover);
    }

    public AgentMemory withFailedRewind(String why) {
        return new AgentMemory(leaseId, leaseValidUntil, following, notStreamingSince, failedStandbyStarts,
                failedPrimaryStarts, why, failedHandover);
    }

    public AgentMemory withFailedHandover(Switchover switchover) {
        return new AgentMemory(leaseId, leaseValidUntil, following, notStreamingSince, failedStandbyStarts,
                failedPrimaryStarts, failedRewind, switchover);
    }
}
