package dev.pgvault.ha.pg;

/** One row of pg_stat_replication on the primary: a standby's application_name, state and sync state. */
public record Standby(String name, String state, String syncState, long flushLsn) {

    public boolean streaming() {
        return "streaming".equals(state);
    }

    public boolean synchronous() {
        return "sync".equals(syncState);
    }
}
