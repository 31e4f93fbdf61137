package dev.pgvault.ha.cluster;

/** What a member's PostgreSQL is, as its agent last saw it. */
public enum Role {
    PRIMARY, REPLICA, UNINITIALIZED, STOPPED;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
