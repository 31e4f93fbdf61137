package dev.pgvault.ha.api;

import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.Failover;
import dev.pgvault.ha.cluster.Leader;
import dev.pgvault.ha.cluster.LeaderPosition;
import dev.pgvault.ha.cluster.Member;
import dev.pgvault.ha.cluster.Switchover;
import dev.pgvault.ha.dcs.Dcs;
import dev.pgvault.ha.dcs.DcsException;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** A Dcs held in memory for the API's tests; {@link #down} makes every call fail as an unreachable etcd would. */
final class InMemoryDcs implements Dcs {
    String initializedBy;
    Leader leader;
    final Map<String, Member> members = new HashMap<>();
    LeaderPosition position;
    Set<String> sync = Set.of();
    Switchover switchover;
    Failover failover;
    final Set<String> reinit = new HashSet<>();
    boolean down;

    InMemoryDcs(ClusterState state) {
        initializedBy = state.initializedBy();
        leader = state.leader();
        members.putAll(state.members());
        position = state.lastLeaderPosition();
        sync = state.syncStandbys();
        switchover = state.switchover();
        failover = state.failover();
        reinit.addAll(state.reinit());
    }

    private synchronized void reachable() throws DcsException {
        if (down) {
            throw new DcsException("http://127.0.0.1:2379: UNAVAILABLE (test)");
        }
    }

    @Override
    public synchronized ClusterState read() throws DcsException {
        reachable();
        return new ClusterState(initializedBy, leader, members, position, sync, switchover, failover, reinit);
    }

    @Override
    public Instant adoptLease(long leaseId) {
        throw new UnsupportedOperationException("the API never adopts a lease");
    }

    @Override
    public Instant keepAlive() throws DcsException {
        throw new UnsupportedOperationException("the API never renews the lease");
    }

    @Override
    public long leaseId() {
        return 0;
    }

    @Override
    public synchronized void publish(Member member) throws DcsException {
        reachable();
        members.put(member.name(), member);
    }

    @Override
    public boolean claimInitialize(String name) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void abandonInitialize(String name) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean acquireLeader(String name) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void releaseLeader(String name) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void publishLeaderPosition(LeaderPosition p) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void writeSyncStandbys(Set<String> m) {
        throw new UnsupportedOperationException();
    }

    @Override
    public synchronized void requestSwitchover(Switchover request) throws DcsException {
        reachable();
        switchover = request;
    }

    @Override
    public synchronized void clearSwitchover() throws DcsException {
        reachable();
        switchover = null;
    }

    @Override
    public synchronized void requestFailover(Failover request) throws DcsException {
        reachable();
        failover = request;
    }

    @Override
    public synchronized void clearFailover() throws DcsException {
        reachable();
        failover = null;
    }

    @Override
    public synchronized void requestReinit(String member) throws DcsException {
        reachable();
        reinit.add(member);
    }

    @Override
    public synchronized void clearReinit(String member) throws DcsException {
        reachable();
        reinit.remove(member);
    }

    @Override
    public void close() {}
}
