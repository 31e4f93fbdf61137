package dev.pgvault.ha.dcs;

import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.Failover;
import dev.pgvault.ha.cluster.LeaderPosition;
import dev.pgvault.ha.cluster.Member;
import dev.pgvault.ha.cluster.Switchover;
import dev.pgvault.ha.cluster.TimelineSwitch;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * The distributed configuration store as the HA agent uses it: one cluster's keys, and this agent's
 * lease. Every call is bounded by the request timeout it was made with and throws
 * {@link DcsException} rather than hang. Leadership is only ever taken by a transaction that requires
 * the leader key to be absent, and only ever renewed or released by its owner.
 */
public interface Dcs extends AutoCloseable {

    /** Reads every key of the cluster in one request (one revision). */
    ClusterState read() throws DcsException;

    /**
     * Renews this agent's lease (granting a new one when it expired) and returns how long it is
     * certainly valid, counted from the moment this call began: the caller reads its own clock
     * before calling and adds this.
     */
    Duration keepAlive() throws DcsException;

    /**
     * Takes over a lease an earlier run of this agent left (its leader key still names this node):
     * renews it and makes it this agent's lease. Returns how long it is certainly valid, counted
     * as for {@link #keepAlive}.
     */
    Duration adoptLease(long leaseId) throws DcsException;

    /** The lease this agent holds now, 0 when none. */
    long leaseId();

    /** Publishes this member, bound to the lease. */
    void publish(Member member) throws DcsException;

    /** Takes the initialize key if nobody has; true when this agent now holds it. */
    boolean claimInitialize(String name) throws DcsException;

    /**
     * Marks this agent's bootstrap complete: the initialize key becomes "&lt;name&gt; &lt;system
     * identifier&gt;", after which no node ever bootstraps this cluster again.
     */
    void completeInitialize(String name, long systemIdentifier) throws DcsException;

    /** Deletes the initialize key if this agent holds it (bootstrap failed: let another try). */
    void abandonInitialize(String name) throws DcsException;

    /** Takes the leader key bound to the lease if it is absent; true when this agent is now leader. */
    boolean acquireLeader(String name) throws DcsException;

    /** Deletes the leader key only if it is still this agent's. */
    void releaseLeader(String name) throws DcsException;

    /** Records the leader's WAL position (no lease: it outlives the leader). */
    void publishLeaderPosition(LeaderPosition position) throws DcsException;

    /**
     * Replaces the set of members that may hold acknowledged synchronous commits, written by
     * {@code leader}, which holds them all itself.
     */
    void writeSyncStandbys(String leader, Set<String> members) throws DcsException;

    void requestSwitchover(Switchover request) throws DcsException;

    void clearSwitchover() throws DcsException;

    void requestFailover(Failover request) throws DcsException;

    void clearFailover() throws DcsException;

    /** Removes the failover request only if it is still {@code request}: another one written since stays. */
    void withdrawFailover(Failover request) throws DcsException;

    void requestReinit(String member) throws DcsException;

    void clearReinit(String member) throws DcsException;

    /** Asks {@code member}'s agent to restart its PostgreSQL in the role it has ({@code ha restart}). */
    void requestRestart(String member, Instant at) throws DcsException;

    void clearRestart(String member) throws DcsException;

    /** Maintenance mode from {@code since} on: the agents take no automatic action until {@link #resume}. */
    void pause(java.time.Instant since) throws DcsException;

    /** Ends maintenance mode. */
    void resume() throws DcsException;

    /**
     * Records timeline switches in the cluster's history (no lease: it outlives every leader). A
     * timeline already recorded keeps its first record, so the promoting agent's account of why is
     * never replaced by a later, vaguer one read from a history file.
     */
    void recordTimelines(List<TimelineSwitch> switches) throws DcsException;

    /** The cluster's history, oldest timeline first. */
    List<TimelineSwitch> history() throws DcsException;

    /**
     * Calls {@code onChange} (on another thread) whenever a key that calls for action changes: the
     * leader key, a switchover, failover, reinit or restart request. The agent cycles at once instead of at
     * its next loop-wait; a lost watch only costs that speed, never correctness.
     */
    default void watch(Runnable onChange) {}

    /**
     * Makes one request and waits up to {@code limit} for it, whatever it answers: in a fresh JVM
     * the first request (the connection, the client's classes) can take longer than a short
     * lease's request timeout, and a first cycle that times out on it waits a loop for nothing.
     */
    default void warmUp(java.time.Duration limit) {}

    @Override
    void close();
}
