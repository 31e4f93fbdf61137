package dev.pgvault.ha.decide;

import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.ReplicaMethod;
import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.Failover;
import dev.pgvault.ha.cluster.Leader;
import dev.pgvault.ha.cluster.LeaderPosition;
import dev.pgvault.ha.cluster.Member;
import dev.pgvault.ha.cluster.Role;
import dev.pgvault.ha.cluster.Switchover;
import dev.pgvault.ha.cluster.Tags;
import dev.pgvault.ha.pg.PgStatus;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A builder of snapshots for decision tests: node "n1" looking at a cluster, at a fixed instant. */
final class Situation {
    static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");
    static final long MY_LEASE = 0x1111;

    boolean synchronous;
    String initializedBy = "n1";
    Leader leader;
    final Map<String, Member> members = new HashMap<>();
    LeaderPosition lastPosition;
    final Set<String> sync = new HashSet<>();
    /** The leader that wrote {@link #sync}. */
    String syncLeader;
    /** Maintenance mode since when; null: not paused. */
    Instant pausedSince;
    Switchover switchover;
    Failover failover;
    final Set<String> reinit = new HashSet<>();
    final Set<String> restart = new HashSet<>();
    boolean etcdDown;
    PgStatus pg = replica(1, 1000, true);
    Instant leaseValidUntil = NOW.plusSeconds(10);
    String following;
    Instant notStreamingSince;
    int failedStandbyStarts;
    int failedPrimaryStarts;
    /** Why this node's last pg_rewind failed; null: none did. */
    String failedRewind;
    /** The switchover whose handover shutdown was not clean; null: none. */
    Switchover failedHandover;
    /** This node's own tags. */
    Tags tags = Tags.NONE;
    /** The lease's length (loop-wait is 1 s). */
    Duration ttl = Duration.ofSeconds(10);

    static PgStatus primary(int timeline, long lsn) {
        return new PgStatus(true, true, false, timeline, lsn, false, false, false, 42);
    }

    static PgStatus replica(int timeline, long lsn, boolean streaming) {
        return new PgStatus(true, true, true, timeline, lsn, streaming, false, false, 42);
    }

    static PgStatus stopped(boolean wasPrimary) {
        return new PgStatus(true, false, false, 1, 1000, false, wasPrimary, false, 42);
    }

    static Member member(String name, Role role, int timeline, long lsn) {
        return new Member(name, "http://127.0.0.1:8008", "127.0.0.1", 5432, role, "running", timeline, lsn,
                role == Role.REPLICA, NOW.minusSeconds(1));
    }

    static Member tagged(Member m, Tags tags) {
        return new Member(m.name(), m.apiUrl(), m.host(), m.port(), m.role(), m.state(), m.timeline(), m.lsn(),
                m.streaming(), m.updated(), tags);
    }

    Situation leader(String name) {
        leader = new Leader(name, name.equals("n1") ? MY_LEASE : 0x2222);
        return this;
    }

    Situation with(Member m) {
        members.put(m.name(), m);
        return this;
    }

    Snapshot snapshot() {
        HaSettings settings = new HaSettings("demo", "n1", List.of(URI.create("http://127.0.0.1:2379")),
                ttl, Duration.ofSeconds(1), "127.0.0.1", 8008, "127.0.0.1", 5432, 1 << 20,
                synchronous, List.of(ReplicaMethod.BASEBACKUP), dev.pgvault.ha.Bootstrap.INITDB, null, tags);
        ClusterState cluster = etcdDown ? null : new ClusterState(initializedBy, leader, members, lastPosition, sync,
                switchover, failover, reinit, syncLeader, pausedSince, restart);
        return new Snapshot(settings, cluster, pg, new AgentMemory(MY_LEASE, leaseValidUntil, following,
                notStreamingSince, failedStandbyStarts, failedPrimaryStarts, failedRewind, failedHandover), NOW);
    }

    Decision decide() {
        return Decider.decide(snapshot());
    }
}
