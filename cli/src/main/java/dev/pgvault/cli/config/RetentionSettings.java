package dev.pgvault.cli.config;

import dev.pgvault.archiver.expire.ExpireOptions;
import dev.pgvault.archiver.expire.RetentionPolicy;
import java.time.Duration;

/**
 * The {@code retention:} section: the rules (none when the section is absent) and how long a
 * backup directory without a manifest is left alone ({@code garbage-age}, default 6h).
 */
public record RetentionSettings(RetentionPolicy policy, Duration garbageAge) {
    public static final RetentionSettings NONE = new RetentionSettings(RetentionPolicy.NONE,
            ExpireOptions.DEFAULT_GARBAGE_AGE);
}
