package dev.pgvault.cli.config;

import java.nio.file.Path;

/** How to reach the local PostgreSQL cluster. {@code bin} is null when found on PATH. */
public record PgSettings(Path data, String host, int port, String user, String database, Path bin) {

    public dev.pgvault.archiver.pg.PgTarget target() {
        return new dev.pgvault.archiver.pg.PgTarget(host, port, user, database);
    }
}
