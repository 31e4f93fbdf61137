package dev.pgvault.ha.cluster;

/** What a member's PostgreSQL is, as its agent last saw it. */
public enum Role {
    PRIMARY, REPLICA, UNINITIALIZED, STOPPED;

    /** What the local PostgreSQL is right now, in the words member keys use. */
    public static Role of(dev.pgvault.ha.pg.PgStatus pg) {
        if (pg.runningPrimary()) {
            return PRIMARY;
        }
        if (pg.runningReplica()) {
            return REPLICA;
        }
        return pg.hasData() ? STOPPED : UNINITIALIZED;
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
