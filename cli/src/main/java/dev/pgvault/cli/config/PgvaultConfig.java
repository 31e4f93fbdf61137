package dev.pgvault.cli.config;

import java.nio.file.Path;

/**
 * The whole configuration file, validated. {@code source} is the file it was read from; {@code ha}
 * is null when the file has no {@code ha:} section; {@code retention} is {@link
 * RetentionSettings#NONE} when it has no {@code retention:} section, {@code archive} {@link
 * ArchiveSettings#SYNCHRONOUS} when it has no {@code archive:} section.
 */
public record PgvaultConfig(Path source, String stanza, PgSettings pg, RepoSettings repo, int processMax,
        HaConfig ha, RetentionSettings retention, ArchiveSettings archive) {}
