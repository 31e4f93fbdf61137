package dev.pgvault.archiver.expire;

import java.time.Duration;

/**
 * Retention durations as users write them: a whole number and a unit, {@code s m h d w}
 * ("14d", "6h", "2w"). A day is 24 hours: retention is about elapsed time, not the calendar.
 */
public final class RetentionDuration {
    private RetentionDuration() {}

    /** Parses {@code text}; IllegalArgumentException with the reason (the caller names the key). */
    public static Duration parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.length() < 2) {
            throw new IllegalArgumentException(invalid(text));
        }
        char unit = t.charAt(t.length() - 1);
        long seconds = switch (unit) {
            case 's' -> 1;
            case 'm' -> 60;
            case 'h' -> 3600;
            case 'd' -> 86_400;
            case 'w' -> 7 * 86_400;
            default -> throw new IllegalArgumentException(invalid(text));
        };
        String digits = t.substring(0, t.length() - 1);
        if (digits.length() > 9 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException(invalid(text));
        }
        long n = Long.parseLong(digits);
        if (n == 0) {
            throw new IllegalArgumentException("'" + t + "' is zero: a duration must be positive");
        }
        return Duration.ofSeconds(n * seconds);
    }

    /** The largest unit up to days that states {@code d} exactly: 14 days is "14d", 36 h is "36h". */
    public static String format(Duration d) {
        long s = d.getSeconds();
        if (s % 86_400 == 0) {
            return s / 86_400 + "d";
        }
        if (s % 3600 == 0) {
            return s / 3600 + "h";
        }
        if (s % 60 == 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }

    private static String invalid(String text) {
        String shown = text == null ? "" : text.length() > 40 ? text.substring(0, 40) + "..." : text;
        return "'" + shown.replaceAll("\\p{Cntrl}", "?") + "' is not a duration (a whole number and a unit: s, m, h, d or w, as in 14d)";
    }
}
