package dev.pgvault.ha.decide;

import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.pg.PgStatus;
import java.time.Instant;

/**
 * Everything one decision looks at. {@code cluster} is null when etcd could not be read this cycle.
 */
public record Snapshot(HaSettings settings, ClusterState cluster, PgStatus pg, AgentMemory memory, Instant now) {}
