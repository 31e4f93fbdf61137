package dev.pgvault.ha.pg;

/**
 * The node a replica streams from (or rewinds against): a member name and its PostgreSQL address,
 * and the replication slot the replica streams through there (null: none).
 */
public record Upstream(String name, String host, int port, String slot) {

    /** An upstream streamed from without a slot. */
    public Upstream(String name, String host, int port) {
        this(name, host, port, null);
    }
}
