package dev.pgvault.restore.recovery;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recovery target times in the forms people copy from PostgreSQL and from logs:
 * <pre>
 * 2026-11-26 03:15:00+00          2026-11-26 03:15:00.123456+05:30     2026-11-26 03:15+01
 * 2026-11-26T03:15:00Z            2026-11-26 03:15:00 UTC              2026-11-26 03:15:00 Europe/Paris
 * 2026-11-26 03:15:00             (no zone: the zone given, the machine's for the CLI)
 * </pre>
 * The result is an instant; it is written back for PostgreSQL in UTC with an explicit offset, so
 * the server's TimeZone setting cannot make it and pgvault disagree about which backup fits.
 */
public final class TargetTime {
    private static final Pattern FORM = Pattern.compile(
            "(\\d{4})-(\\d{1,2})-(\\d{1,2})"
            + "(?:[ T](\\d{1,2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,6}))?)?)?"
            + "\\s*(Z|z|[+-]\\d{1,2}(?::?\\d{2}(?::?\\d{2})?)?|[A-Za-z][A-Za-z0-9_/+-]*)?");
    private static final Pattern NUMERIC_OFFSET = Pattern.compile("([+-])(\\d{1,2})(?::?(\\d{2}))?(?::?(\\d{2}))?");
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss");

    private TargetTime() {}

    /** Parses {@code text}; a time without a zone is read in {@code defaultZone}. */
    public static Instant parse(String text, ZoneId defaultZone) {
        Matcher m = FORM.matcher(text.strip());
        if (!m.matches()) {
            throw invalid(text, "expected like '2026-11-26 03:15:00+00' or '2026-11-26T03:15:00Z'");
        }
        try {
            int hour = m.group(4) == null ? 0 : Integer.parseInt(m.group(4));
            int minute = m.group(5) == null ? 0 : Integer.parseInt(m.group(5));
            int second = m.group(6) == null ? 0 : Integer.parseInt(m.group(6));
            int nanos = m.group(7) == null ? 0 : Integer.parseInt((m.group(7) + "00000000").substring(0, 9));
            LocalDateTime local = LocalDateTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                    Integer.parseInt(m.group(3)), hour, minute, second, nanos);
            return ZonedDateTime.ofLocal(local, zone(m.group(8), defaultZone, text), null).toInstant();
        } catch (DateTimeException e) {
            throw invalid(text, e.getMessage());
        }
    }

    /** PostgreSQL's timestamptz form in UTC, microseconds only when there are any. */
    public static String format(Instant instant) {
        Instant t = instant.truncatedTo(ChronoUnit.MICROS);
        LocalDateTime utc = LocalDateTime.ofInstant(t, ZoneOffset.UTC);
        String s = SECONDS.format(utc);
        int micros = utc.getNano() / 1000;
        if (micros != 0) {
            s += String.format(".%06d", micros);
        }
        return s + "+00";
    }

    private static ZoneId zone(String text, ZoneId defaultZone, String whole) {
        if (text == null) {
            return defaultZone;
        }
        if (text.equalsIgnoreCase("z")) {
            return ZoneOffset.UTC;
        }
        Matcher n = NUMERIC_OFFSET.matcher(text);
        if (n.matches()) {
            int sign = n.group(1).equals("-") ? -1 : 1;
            int h = Integer.parseInt(n.group(2));
            int min = n.group(3) == null ? 0 : Integer.parseInt(n.group(3));
            int sec = n.group(4) == null ? 0 : Integer.parseInt(n.group(4));
            return ZoneOffset.ofHoursMinutesSeconds(sign * h, sign * min, sign * sec);
        }
        try {
            return ZoneId.of(text);
        } catch (DateTimeException e) {
            throw invalid(whole, "unknown time zone '" + text + "' (use an offset like +01:00, UTC, or a name like Europe/Paris)");
        }
    }

    private static InvalidTargetException invalid(String text, String why) {
        return new InvalidTargetException("--target-time '" + text + "' is not a valid time: " + why);
    }
}
