package dev.pgvault.ha.pg;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The agent's hands on its node's PostgreSQL. Every method is bounded in time and reports failure
 * as {@link PgControlException}; none of them touches etcd.
 */
public interface LocalPostgres {

    /** What PostgreSQL is now; never throws (what cannot be read is reported as unknown). */
    PgStatus status();

    /**
     * Loads what the first connection to a server needs, on whatever thread calls it, and never
     * throws: in a fresh JVM the first connection costs some 0.2 s more than the next ones, and the
     * one a rejoin makes to its new leader is on the path to streaming again.
     */
    default void warmUp() {}

    /** {@code initdb} (with data checksums) into the empty data directory. */
    void initdb() throws PgControlException;

    /**
     * Writes the settings the agent owns (port, WAL and archiving settings, the configured
     * parameters, {@code synchronous_standby_names}, and for a standby {@code primary_conninfo}) and
     * creates or removes {@code standby.signal}. {@code upstream} null with {@code standby} true: a
     * standby that streams from nobody (read-only, replaying the archive). Takes effect on the next
     * start or {@link #reload()}.
     */
    void configure(boolean standby, Upstream upstream, String synchronousStandbyNames) throws PgControlException;

    /** Starts PostgreSQL and waits until it accepts connections. */
    void start(Duration timeout) throws PgControlException;

    /** Fast shutdown; immediate when the fast one has not finished within {@code fastBudget}. */
    void stop(Duration fastBudget) throws PgControlException;

    /**
     * A planned handover's fast shutdown: returns the stopped cluster's status as soon as its
     * shutdown checkpoint is written (pg_control says "shut down"), while the postmaster may still
     * be finishing its archiver's last calls; no WAL can be written after that checkpoint. A
     * shutdown not that far within {@code fastBudget} becomes an immediate one. {@link #stop}
     * then waits for the postmaster to exit. This default stops it whole.
     */
    default PgStatus stopForHandover(Duration fastBudget) throws PgControlException {
        stop(fastBudget);
        return status();
    }

    /**
     * Immediate shutdown: the safety net when a leader may have lost its lease. Returns whether a
     * postmaster was running (false: nothing to stop, perhaps not yet written its pid file).
     */
    boolean stopImmediately() throws PgControlException;

    /** Promotes the running standby and waits until it accepts writes. */
    void promote(Duration timeout) throws PgControlException;

    /** Applies a new configuration without a restart (primary_conninfo, synchronous_standby_names). */
    void reload() throws PgControlException;

    /** Runs crash recovery on a stopped cluster that did not shut down cleanly (single-user mode). */
    void crashRecovery(Duration timeout) throws PgControlException;

    /**
     * For a stopped former primary that crashed: whether its WAL goes past the point where
     * {@code source}'s timeline forked from its own. Empty when that cannot be told (it shut down
     * cleanly, which pg_rewind checks itself; the source or the WAL cannot be read): the caller
     * then rewinds.
     */
    default java.util.Optional<Divergence> divergence(Upstream source) throws PgControlException {
        return java.util.Optional.empty();
    }

    /**
     * {@code pg_rewind} the stopped cluster against {@code source}.
     *
     * @throws SourceUnreachableException the source could not be reached or asked: nothing was changed
     * @throws PgControlException pg_rewind ran and failed: the data directory may be half rewound,
     *     and {@link #unfinishedRewind} says so until it is replaced
     */
    void rewind(Upstream source, Duration timeout) throws PgControlException;

    /**
     * Why a pg_rewind of this data directory did not finish, empty when none is pending. Recorded
     * beside the data directory before pg_rewind starts and removed when it succeeds, so it
     * survives the agent: one killed during pg_rewind leaves it too. A data directory with an
     * unfinished rewind is never started; it is replaced ({@link #moveAside}, {@link #removeData},
     * or a reseed in place and then {@link #forgetUnfinishedRewind}).
     */
    java.util.Optional<String> unfinishedRewind() throws PgControlException;

    /** After the data directory was brought back in place from the repository: no rewind is pending. */
    void forgetUnfinishedRewind() throws PgControlException;

    /** {@code pg_basebackup} from {@code source} into the empty data directory. */
    void baseBackup(Upstream source, Duration timeout) throws PgControlException;

    /**
     * Moves the stopped cluster's data directory aside (renamed next to it, never deleted) and leaves
     * an empty one, so a failed rewind costs disk space, not data. Returns where it went.
     */
    Path moveAside() throws PgControlException;

    /** Empties the stopped cluster's data directory (an operator's reinit). */
    void removeData() throws PgControlException;

    /** pg_stat_replication on a running primary. */
    List<Standby> standbys() throws PgControlException;

    /** The running cluster's physical replication slots: name, and whether a walsender uses it. */
    java.util.Map<String, Boolean> physicalSlots() throws PgControlException;

    /**
     * Creates a physical slot that reserves WAL at once. It is recorded as the agent's before it
     * is created, so that no slot the agent made is ever left unrecorded (and never dropped).
     */
    void createSlot(String name) throws PgControlException;

    /** Drops a slot the agent created, then forgets it; refuses one it did not create. */
    void dropSlot(String name) throws PgControlException;

    /** The slots the agent created on this node and has not dropped (recorded beside the data directory). */
    java.util.Set<String> agentSlots() throws PgControlException;

    /** Forgets the agent's records of slots that no longer exist. */
    void forgetSlots(java.util.Set<String> names) throws PgControlException;

    /** The content of {@code timeline}'s history file ({@code pg_wal/0000000N.history}). */
    byte[] timelineHistory(int timeline) throws PgControlException;

    /** The data directory. */
    Path dataDirectory();
}
