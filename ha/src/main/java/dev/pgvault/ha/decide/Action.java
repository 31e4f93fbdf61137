package dev.pgvault.ha.decide;

/** What one cycle of the agent does. The decision says which and why; the agent does it. */
public enum Action {
    /** Nothing to change this cycle. */
    WAIT,
    /** Claim the initialize key, initdb (or take the existing data directory), start, take the leader key. */
    INITIALIZE,
    /** Copy the leader's data into the empty data directory by the configured replica methods. */
    SEED,
    /** Start the stopped PostgreSQL as a standby of the target (or of nobody). */
    START_REPLICA,
    /** Start the stopped PostgreSQL as a primary: this node holds the leader key. */
    START_PRIMARY,
    /** Point the running standby at a new upstream. */
    FOLLOW,
    /**
     * Stop, crash-recover if needed, pg_rewind against the target (none when the WAL ends at the
     * fork), start as its standby. A pg_rewind that ran and failed is remembered, not acted on.
     */
    REWIND,
    /**
     * pg_rewind did not finish: move the data directory aside (or bring it back in place from
     * the repository, with ha.reseed-delta) and seed again from the target.
     */
    RESEED_AFTER_REWIND,
    /** An operator asked: restart the running PostgreSQL in the role it has (a leader keeps its key throughout). */
    RESTART,
    /** An operator asked: empty the data directory and seed it again. */
    RESEED,
    /** Take the leader key, then promote. */
    ACQUIRE,
    /** This node holds the leader key but PostgreSQL is still a standby: promote it. */
    PROMOTE,
    /** This node is the leader: publish its position, manage the synchronous standby. */
    LEAD,
    /** Stop accepting writes: restart as a standby of the target (or of nobody). */
    DEMOTE,
    /** Planned switchover: shut down cleanly, publish the final position, hand the key over. */
    STEP_DOWN,
    /** The pending switchover cannot happen (stale or its target is gone): drop the request. */
    CANCEL_SWITCHOVER,
    /** The leader key names this node under a lease of an earlier run of its agent: keep it alive as ours. */
    ADOPT_LEASE,
    /** The leader key is this node's but it has no data to lead with: let it go. */
    RELEASE,
    /**
     * PostgreSQL did not start as the primary and a replica can take over: stop it at once and
     * release the leader key.
     */
    HAND_OVER,
    /**
     * PostgreSQL runs on a data directory that must not run (a pg_rewind did not finish): stop it
     * at once, and release the leader key if this node holds it.
     */
    STOP
}
