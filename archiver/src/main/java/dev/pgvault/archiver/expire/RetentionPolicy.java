package dev.pgvault.archiver.expire;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Which backups retention keeps: the newest {@code full} full backups (and what depends on them),
 * every backup needed to restore to any moment of the last {@code window}, or both (a backup stays
 * when either keeps it). Neither set: no backup expires.
 */
public record RetentionPolicy(OptionalInt full, Optional<Duration> window) {
    public static final RetentionPolicy NONE = new RetentionPolicy(OptionalInt.empty(), Optional.empty());

    public RetentionPolicy {
        if (full.isPresent() && full.getAsInt() < 1) {
            throw new IllegalArgumentException("retention full must be at least 1, not " + full.getAsInt());
        }
        if (window.isPresent() && (window.get().isNegative() || window.get().isZero())) {
            throw new IllegalArgumentException("retention window must be positive");
        }
    }

    public boolean isSet() {
        return full.isPresent() || window.isPresent();
    }

    /** "full=2, window=14d", or "none". */
    public String describe() {
        List<String> parts = new ArrayList<>();
        full.ifPresent(n -> parts.add("full=" + n));
        window.ifPresent(w -> parts.add("window=" + RetentionDuration.format(w)));
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    /** This policy with each of {@code other}'s rules that is set taken instead (command-line options over the file). */
    public RetentionPolicy overriddenBy(RetentionPolicy other) {
        return new RetentionPolicy(other.full.isPresent() ? other.full : full,
                other.window.isPresent() ? other.window : window);
    }
}
