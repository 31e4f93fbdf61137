package dev.pgvault.ha.cluster;

/** The leader key: who holds it and under which etcd lease. */
public record Leader(String name, long leaseId) {}
