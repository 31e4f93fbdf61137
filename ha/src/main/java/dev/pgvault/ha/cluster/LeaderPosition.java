package dev.pgvault.ha.cluster;

/**
 * The last WAL position and timeline the leader published. Kept without a lease, so after the leader
 * dies its replicas can still tell how far behind they are. {@code handedOver}: written by a leader
 * that shut down cleanly for a switchover, so {@code lsn} is its final WAL (its shutdown checkpoint).
 */
public record LeaderPosition(String leader, int timeline, long lsn, boolean handedOver) {

    /** A running leader's position. */
    public LeaderPosition(String leader, int timeline, long lsn) {
        this(leader, timeline, lsn, false);
    }
}
