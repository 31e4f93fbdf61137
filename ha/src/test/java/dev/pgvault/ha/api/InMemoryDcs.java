package dev.pgvault.ha.api;

import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.Failover;
import dev.pgvault.ha.cluster.Leader;
import dev.pgvault.ha.cluster.LeaderPosition;
import dev.pgvault.ha.cluster.Member;
import dev.pgvault.ha.cluster.Switchover;
import dev.pgvault.ha.cluster.TimelineSwitch;
import dev.pgvault.ha.dcs.Dcs;
import dev.pgvault.ha.dcs.DcsException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A Dcs held in memory for unit tests (API, agent loop, simulation), with leases on a clock; {@link
 * #down} makes every call fail as an unreachable etcd would. An instance made from a {@link
 * ClusterState} is the store (its public fields) and one client of it; {@link #anotherClient} makes
 * more clients of the same store, each with its own lease, as several agents on one etcd.
 */
public final class InMemoryDcs implements Dcs {
    public String initializedBy;
    public Leader leader;
    public final Map<String, Member> members = new HashMap<>();
    public LeaderPosition position;
    public Set<String> sync = Set.of();
    public String syncLeader;
    public Instant pausedSince;
    public Switchover switchover;
    public Failover failover;
    public final Set<String> reinit = new HashSet<>();
    public final Set<String> restart = new HashSet<>();
    /** Lease grants and renewals asked of this client, from any thread. */
    public final java.util.concurrent.atomic.AtomicInteger keepAlives = new java.util.concurrent.atomic.AtomicInteger();
    public final Map<Integer, TimelineSwitch> history = new TreeMap<>();
    public volatile boolean down;
    /** This client alone cannot reach the store: a node cut off from etcd. */
    public volatile boolean cutOff;
    /** Leases live {@link #ttl} from each renewal on {@link #clock}. */
    public Clock clock = Clock.systemUTC();
    public Duration ttl = Duration.ofSeconds(10);

    private final Map<Long, Instant> leases = new HashMap<>();
    /** The lease each published member is bound to; members put in by a test are bound to none. */
    private final Map<String, Long> memberLeases = new HashMap<>();
    private long nextLease = 0x100;
    /** Whose keys these calls read and write: this instance, or the one it is another client of. */
    private final InMemoryDcs store;
    /** This client's lease, 0 when none. */
    private long lease;

    public InMemoryDcs(ClusterState state) {
        initializedBy = state.initializedBy();
        leader = state.leader();
        members.putAll(state.members());
        position = state.lastLeaderPosition();
        sync = state.syncStandbys();
        switchover = state.switchover();
        failover = state.failover();
        reinit.addAll(state.reinit());
        restart.addAll(state.restart());
        store = this;
    }

    private InMemoryDcs(InMemoryDcs store) {
        this.store = store;
    }

    /** Another agent's client of this store: its own lease, the same keys. */
    public InMemoryDcs anotherClient() {
        return new InMemoryDcs(store);
    }

    private void reachable() throws DcsException {
        if (store.down || cutOff) {
            throw new DcsException("http://127.0.0.1:2379: UNAVAILABLE (test)");
        }
    }

    /** Drops expired leases and what was bound to them, as etcd does. */
    private void expire() {
        Instant now = clock.instant();
        leases.entrySet().removeIf(lease -> {
            if (now.isBefore(lease.getValue())) {
                return false;
            }
            if (leader != null && leader.leaseId() == lease.getKey()) {
                leader = null;
            }
            memberLeases.entrySet().removeIf(bound -> {
                boolean dead = bound.getValue().equals(lease.getKey());
                if (dead) {
                    members.remove(bound.getKey());
                }
                return dead;
            });
            return true;
        });
    }

    /** A change to the store's keys, made under its lock, as etcd serializes its requests. */
    private interface Change {
        void apply(InMemoryDcs store);
    }

    private void write(Change change) throws DcsException {
        synchronized (store) {
            reachable();
            change.apply(store);
        }
    }

    @Override
    public ClusterState read() throws DcsException {
        synchronized (store) {
            reachable();
            store.expire();
            return new ClusterState(store.initializedBy, store.leader, store.members, store.position, store.sync,
                    store.switchover, store.failover, store.reinit, store.syncLeader, store.pausedSince,
                    store.restart);
        }
    }

    @Override
    public Duration keepAlive() throws DcsException {
        keepAlives.incrementAndGet();
        synchronized (store) {
            reachable();
            store.expire();
            if (!store.leases.containsKey(lease)) {
                lease = store.nextLease++;
            }
            store.leases.put(lease, store.clock.instant().plus(store.ttl));
            return store.ttl;
        }
    }

    @Override
    public Duration adoptLease(long leaseId) throws DcsException {
        synchronized (store) {
            reachable();
            store.expire();
            if (!store.leases.containsKey(leaseId)) {
                throw new DcsException("lease " + Long.toHexString(leaseId) + " has expired");
            }
            lease = leaseId;
            store.leases.put(lease, store.clock.instant().plus(store.ttl));
            return store.ttl;
        }
    }

    @Override
    public long leaseId() {
        synchronized (store) {
            return lease;
        }
    }

    private void requireLease() throws DcsException {
        if (!store.leases.containsKey(lease)) {
            throw new DcsException("no etcd lease yet");
        }
    }

    @Override
    public void publish(Member member) throws DcsException {
        synchronized (store) {
            reachable();
            store.expire();
            requireLease();
            store.members.put(member.name(), member);
            store.memberLeases.put(member.name(), lease);
        }
    }

    @Override
    public boolean claimInitialize(String name) throws DcsException {
        synchronized (store) {
            reachable();
            if (store.initializedBy != null) {
                return false;
            }
            store.initializedBy = name;
            return true;
        }
    }

    @Override
    public void completeInitialize(String name, long systemIdentifier) throws DcsException {
        write(s -> {
            if (name.equals(s.initializedBy)) {
                s.initializedBy = name + " " + Long.toUnsignedString(systemIdentifier);
            }
        });
    }

    @Override
    public void abandonInitialize(String name) throws DcsException {
        write(s -> {
            if (name.equals(s.initializedBy)) {
                s.initializedBy = null;
            }
        });
    }

    @Override
    public boolean acquireLeader(String name) throws DcsException {
        synchronized (store) {
            reachable();
            store.expire();
            requireLease();
            if (store.leader != null) {
                return false;
            }
            store.leader = new Leader(name, lease);
            return true;
        }
    }

    @Override
    public void releaseLeader(String name) throws DcsException {
        synchronized (store) {
            reachable();
            store.expire();
            if (store.leader != null && store.leader.name().equals(name) && store.leader.leaseId() == lease) {
                store.leader = null;
            }
        }
    }

    @Override
    public void publishLeaderPosition(LeaderPosition p) throws DcsException {
        write(s -> s.position = p);
    }

    @Override
    public void writeSyncStandbys(String leader, Set<String> m) throws DcsException {
        write(s -> {
            s.sync = Set.copyOf(m);
            s.syncLeader = leader;
        });
    }

    @Override
    public void requestSwitchover(Switchover request) throws DcsException {
        write(s -> s.switchover = request);
    }

    @Override
    public void clearSwitchover() throws DcsException {
        write(s -> s.switchover = null);
    }

    @Override
    public void requestFailover(Failover request) throws DcsException {
        write(s -> s.failover = request);
    }

    @Override
    public void withdrawFailover(Failover request) throws DcsException {
        write(s -> {
            if (request.equals(s.failover)) {
                s.failover = null;
            }
        });
    }

    @Override
    public void clearFailover() throws DcsException {
        write(s -> s.failover = null);
    }

    @Override
    public void requestReinit(String member) throws DcsException {
        write(s -> s.reinit.add(member));
    }

    @Override
    public void clearReinit(String member) throws DcsException {
        write(s -> s.reinit.remove(member));
    }

    @Override
    public void recordTimelines(List<TimelineSwitch> switches) throws DcsException {
        write(s -> switches.forEach(t -> s.history.putIfAbsent(t.timeline(), t)));
    }

    @Override
    public List<TimelineSwitch> history() throws DcsException {
        synchronized (store) {
            reachable();
            return List.copyOf(store.history.values());
        }
    }

    @Override
    public void requestRestart(String member, Instant at) throws DcsException {
        write(s -> s.restart.add(member));
    }

    @Override
    public void clearRestart(String member) throws DcsException {
        write(s -> s.restart.remove(member));
    }

    @Override
    public void pause(Instant since) throws DcsException {
        write(s -> s.pausedSince = since);
    }

    @Override
    public void resume() throws DcsException {
        write(s -> s.pausedSince = null);
    }

    /** For tests: who holds the leader key now, or null. */
    public String leaderName() {
        synchronized (store) {
            store.expire();
            return store.leader == null ? null : store.leader.name();
        }
    }

    @Override
    public void close() {}
}
