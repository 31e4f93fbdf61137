package dev.pgvault.ha.cluster;

import java.time.Instant;

/**
 * One node as its agent published it in etcd (bound to the agent's lease, so a dead agent's member
 * key disappears after the ttl).
 *
 * @param name member name
 * @param apiUrl its REST API, {@code http://host:port}
 * @param host how to reach its PostgreSQL
 * @param port its PostgreSQL port
 * @param role what its PostgreSQL is
 * @param state a word for people: running, stopped, seeding, rewinding, starting, ...
 * @param timeline its timeline, 0 when unknown
 * @param lsn its WAL position: the current insert position on a primary, the furthest received or
 *     replayed on a replica, 0 when unknown
 * @param streaming a replica with a walreceiver streaming from its upstream
 * @param updated when the agent wrote this
 * @param tags its ha.tags
 */
public record Member(String name, String apiUrl, String host, int port, Role role, String state, int timeline,
        long lsn, boolean streaming, Instant updated, Tags tags) {

    /** A member without tags. */
    public Member(String name, String apiUrl, String host, int port, Role role, String state, int timeline,
            long lsn, boolean streaming, Instant updated) {
        this(name, apiUrl, host, port, role, state, timeline, lsn, streaming, updated, Tags.NONE);
    }

    /** A running replica: the only kind that can be promoted. */
    public boolean runningReplica() {
        return role == Role.REPLICA && "running".equals(state);
    }
}
