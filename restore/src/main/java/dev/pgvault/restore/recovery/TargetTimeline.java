package dev.pgvault.restore.recovery;

import java.util.Locale;

/**
 * PostgreSQL's recovery_target_timeline: {@code latest} (its default since PostgreSQL 12),
 * {@code current} (the backup's), or a timeline number.
 */
public record TargetTimeline(String setting) {

    public static TargetTimeline parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("latest") || t.equals("current")) {
            return new TargetTimeline(t);
        }
        long n;
        try {
            n = Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new InvalidTargetException("--target-timeline must be latest, current or a timeline number, not '" + text + "'");
        }
        if (n < 1 || n > 0xFFFFFFFFL) {
            throw new InvalidTargetException("--target-timeline " + text + " is out of range: timelines are 1 to 4294967295");
        }
        return new TargetTimeline(Long.toString(n));
    }
}
