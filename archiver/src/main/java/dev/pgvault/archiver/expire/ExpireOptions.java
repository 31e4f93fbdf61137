package dev.pgvault.archiver.expire;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How to expire.
 *
 * @param garbageAge how long a backup directory without a manifest is left alone after its last
 *     write: it may be a backup still running on another host of the cluster
 * @param dryRun decide and report everything, remove nothing
 * @param clock "now" for the window and the garbage age
 */
public record ExpireOptions(RetentionPolicy policy, Duration garbageAge, boolean dryRun, Clock clock) {
    public static final Duration DEFAULT_GARBAGE_AGE = Duration.ofHours(6);

    public ExpireOptions {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(clock, "clock");
        if (garbageAge.isNegative() || garbageAge.isZero()) {
            throw new IllegalArgumentException("garbage age must be positive");
        }
    }
}
