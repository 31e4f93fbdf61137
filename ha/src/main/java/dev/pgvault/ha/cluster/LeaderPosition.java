package dev.pgvault.ha.cluster;

/**
 * The last WAL position and timeline the leader published. Kept without a lease, so after the leader
 * dies its replicas can still tell how far behind they are.
 */
public record LeaderPosition(String leader, int timeline, long lsn) {}
