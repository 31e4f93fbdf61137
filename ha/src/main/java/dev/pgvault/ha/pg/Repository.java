package dev.pgvault.ha.pg;

import java.time.Duration;

/** What the HA agent needs from pgvault's backup repository. */
public interface Repository {

    /** Registers the freshly bootstrapped cluster under the stanza (idempotent). */
    void initStanza() throws PgControlException;

    /** True when a backup exists that a replica of this cluster can be built from. */
    boolean hasBackup() throws PgControlException;

    /**
     * Restores the newest backup into the empty data directory, set up to replay the whole archive
     * and then end recovery (a new timeline): how a cluster whose every node was lost comes back.
     */
    void restoreLatest(Duration timeout) throws PgControlException;

    /** Restores the newest backup into the empty data directory, set up to stream from {@code upstream}. */
    void seedReplica(Upstream upstream, Duration timeout) throws PgControlException;

    /**
     * Brings the stopped data directory to the newest backup in place, rewriting only what differs
     * (a delta restore), set up to stream from {@code upstream}.
     */
    void reseedReplica(Upstream upstream, Duration timeout) throws PgControlException;
}
