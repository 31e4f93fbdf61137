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

/** A Dcs held in memory for unit tests (API, agent loop), with a lease on a clock; {@link #down} makes every call fail as an unreachable etcd would. */
public final class InMemoryDcs implements Dcs {
    public String initializedBy;
    public Leader leader;
    public final Map<String, Member> members = new HashMap<>();
    public LeaderPosition position;
    public Set<String> sync = Set.of();
    public Switchover switchover;
    public Failover failover;
    public final Set<String> reinit = new HashSet<>();
    public volatile boolean down;

    public InMemoryDcs(ClusterState state) {
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
        expire();
        return new ClusterState(initializedBy, leader, members, position, sync, switchover, failover, reinit);
    }

    /** The lease: granted by keepAlive, valid for {@link #ttl} from each renewal on {@link #clock}. */
    public java.time.Clock clock = java.time.Clock.systemUTC();
    public java.time.Duration ttl = java.time.Duration.ofSeconds(10);
    private long lease;
    private Instant leaseExpiry = Instant.MIN;
    private long nextLease = 0x100;

    /** Drops expired leases and what was bound to them, as etcd does. */
    private void expire() {
        if (lease != 0 && !clock.instant().isBefore(leaseExpiry)) {
            long dead = lease;
            lease = 0;
            if (leader != null && leader.leaseId() == dead) {
                leader = null;
            }
        }
    }

    @Override
    public synchronized java.time.Duration adoptLease(long leaseId) throws DcsException {
        reachable();
        expire();
        if (leaseId != lease) {
            throw new DcsException("lease " + leaseId + " has expired");
        }
        leaseExpiry = clock.instant().plus(ttl);
        return ttl;
    }

    @Override
    public synchronized java.time.Duration keepAlive() throws DcsException {
        reachable();
        expire();
        if (lease == 0) {
            lease = nextLease++;
        }
        leaseExpiry = clock.instant().plus(ttl);
        return ttl;
    }

    @Override
    public synchronized long leaseId() {
        return lease;
    }

    @Override
    public synchronized void publish(Member member) throws DcsException {
        reachable();
        members.put(member.name(), member);
    }

    @Override
    public synchronized boolean claimInitialize(String name) throws DcsException {
        reachable();
        if (initializedBy != null) {
            return false;
        }
        initializedBy = name;
        return true;
    }

    @Override
    public synchronized void completeInitialize(String name, long systemIdentifier) throws DcsException {
        reachable();
        if (name.equals(initializedBy)) {
            initializedBy = name + " " + Long.toUnsignedString(systemIdentifier);
        }
    }

    @Override
    public synchronized void abandonInitialize(String name) throws DcsException {
        reachable();
        if (name.equals(initializedBy)) {
            initializedBy = null;
        }
    }

    @Override
    public synchronized boolean acquireLeader(String name) throws DcsException {
        reachable();
        expire();
        if (leader != null || lease == 0) {
            return false;
        }
        leader = new Leader(name, lease);
        return true;
    }

    @Override
    public synchronized void releaseLeader(String name) throws DcsException {
        reachable();
        if (leader != null && leader.name().equals(name) && leader.leaseId() == lease) {
            leader = null;
        }
    }

    @Override
    public synchronized void publishLeaderPosition(LeaderPosition p) throws DcsException {
        reachable();
        position = p;
    }

    @Override
    public synchronized void writeSyncStandbys(Set<String> m) throws DcsException {
        reachable();
        sync = Set.copyOf(m);
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
    public synchronized void withdrawFailover(Failover request) throws DcsException {
        reachable();
        if (request.equals(failover)) {
            failover = null;
        }
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

    /** For tests: who holds the leader key now, or null. */
    public synchronized String leaderName() {
        expire();
        return leader == null ? null : leader.name();
    }

    @Override
    public void close() {}
}
