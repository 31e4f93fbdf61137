package dev.pgvault.cli.config;

import java.nio.file.Path;

/**
 * How to reach the local PostgreSQL cluster. {@code bin} is null when found on PATH.
 * {@code parameters} are settings the HA agent writes into the cluster's configuration.
 */
public record PgSettings(Path data, String host, int port, String user, String database, Path bin,
        java.util.Map<String, String> parameters) {

    public PgSettings {
        parameters = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(parameters));
    }

    public dev.pgvault.archiver.pg.PgTarget target() {
        return new dev.pgvault.archiver.pg.PgTarget(host, port, user, database);
    }
}
