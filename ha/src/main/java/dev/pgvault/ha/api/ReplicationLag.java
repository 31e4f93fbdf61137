package dev.pgvault.ha.api;

/** How many bytes of WAL a member is behind the leader, when that can be said at all. */
final class ReplicationLag {
    private ReplicationLag() {}

    /**
     * The leader's position minus the member's; null when either is unknown (0) or they are on
     * different timelines, where a byte difference means nothing. Member keys are written at
     * different moments, so a replica may publish a position past the leader's last one: that is
     * no lag, not a negative one.
     */
    static Long bytes(int leaderTimeline, long leaderLsn, int timeline, long lsn) {
        if (leaderTimeline == 0 || leaderLsn == 0 || timeline == 0 || lsn == 0 || leaderTimeline != timeline) {
            return null;
        }
        return Long.compareUnsigned(leaderLsn, lsn) > 0 ? leaderLsn - lsn : 0L;
    }
}
