package dev.pgvault.ha.decide;

import java.time.Instant;

/**
 * What the agent carries from one cycle to the next, as the decision needs it.
 *
 * @param leaseId the etcd lease this agent holds, 0 when none
 * @param leaseValidUntil until when that lease is certainly alive (send time of the last successful
 *     renewal plus the ttl), null when never renewed
 * @param following the member this node's standby was last pointed at, null when none
 * @param notStreamingSince since when the standby has not been streaming from {@code following}, null while it streams
 * @param failedStandbyStarts how many starts as a standby in a row have failed (an outcome the
 *     decision weighs: a standby past a new timeline's start never comes up without a rewind)
 */
public record AgentMemory(long leaseId, Instant leaseValidUntil, String following, Instant notStreamingSince,
        int failedStandbyStarts) {

    /** A memory without failed starts. */
    public AgentMemory(long leaseId, Instant leaseValidUntil, String following, Instant notStreamingSince) {
        this(leaseId, leaseValidUntil, following, notStreamingSince, 0);
    }

    public static AgentMemory fresh() {
        return new AgentMemory(0, null, null, null);
    }
}
