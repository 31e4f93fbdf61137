package dev.pgvault.ha.cluster;

import java.time.Instant;

/**
 * One line of the cluster's history, as {@code ha history} shows it: WAL of {@code parent} was
 * followed up to {@code switchLsn}, where {@code timeline} began.
 *
 * @param timeline the timeline that began
 * @param parent the timeline it forked from
 * @param switchLsn where it forked: the first WAL of {@code timeline}
 * @param reason why: a switchover, a failover and from which leader, or, for a switch the agent did
 *     not see happen (a restore before the cluster was under HA, an agent stopped right after the
 *     promotion), where the record came from
 * @param at when the promoting agent recorded it; null when not seen happen
 * @param leader the member promoted; null when not seen happen
 */
public record TimelineSwitch(int timeline, int parent, long switchLsn, String reason, Instant at, String leader) {}
