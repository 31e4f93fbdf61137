package dev.pgvault.ha.pg;

/** The node a replica streams from (or rewinds against): a member name and its PostgreSQL address. */
public record Upstream(String name, String host, int port) {}
