package dev.pgvault.ha.cluster;

import java.time.Instant;

/** An operator's manual failover to {@code to}, for when there is no healthy leader. */
public record Failover(String to, Instant requested) {}
