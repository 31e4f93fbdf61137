package dev.pgvault.ha.pg;

/**
 * The local PostgreSQL as one cycle of the agent sees it.
 *
 * @param hasData the data directory holds a cluster (PG_VERSION exists)
 * @param running a postmaster runs on it and answers queries
 * @param inRecovery running as a standby (read-only)
 * @param timeline current timeline (on a stopped cluster: pg_control's), 0 when unknown
 * @param lsn primary: current WAL insert position; standby: the furthest of received and replayed;
 *     stopped: pg_control's latest checkpoint location; 0 when unknown
 * @param streaming a standby whose walreceiver is streaming
 * @param wasPrimary on a stopped cluster, pg_control says it last ran as a primary ("in production"
 *     or "shut down"), so it may have diverged from a new leader and needs pg_rewind before following
 * @param crashed on a stopped cluster, pg_control says it did not shut down cleanly
 * @param systemIdentifier pg_control's database system identifier, 0 when unknown
 */
public record PgStatus(boolean hasData, boolean running, boolean inRecovery, int timeline, long lsn,
        boolean streaming, boolean wasPrimary, boolean crashed, long systemIdentifier) {

    public static PgStatus empty() {
        return new PgStatus(false, false, false, 0, 0, false, false, false, 0);
    }

    public boolean runningPrimary() {
        return running && !inRecovery;
    }

    public boolean runningReplica() {
        return running && inRecovery;
    }
}
