package dev.pgvault.archiver.wal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A validated name of a file in pg_wal. Anything else, a path in particular, is refused, so a
 * name from restore_command's %f can never point outside the repository's WAL area.
 */
public record WalFileName(String name, WalFileKind kind, int timeline, long log, long segment) {

    private static final Pattern SEGMENT = Pattern.compile("([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})");
    private static final Pattern PARTIAL = Pattern.compile(SEGMENT.pattern() + "\\.partial");
    private static final Pattern STREAM = Pattern.compile(SEGMENT.pattern() + "\\.stream");
    private static final Pattern STREAM_PART = Pattern.compile(SEGMENT.pattern() + "\\.stream\\.([0-9A-F]{8})");
    private static final Pattern BACKUP = Pattern.compile(SEGMENT.pattern() + "\\.[0-9A-F]{8}\\.backup");
    private static final Pattern HISTORY = Pattern.compile("([0-9A-F]{8})\\.history");

    public static WalFileName parse(String name) {
        Matcher m;
        if ((m = SEGMENT.matcher(name)).matches()) {
            return segmentLike(name, WalFileKind.SEGMENT, m);
        }
        if ((m = PARTIAL.matcher(name)).matches()) {
            return segmentLike(name, WalFileKind.PARTIAL, m);
        }
        if ((m = STREAM.matcher(name)).matches()) {
            return segmentLike(name, WalFileKind.STREAM, m);
        }
        if ((m = STREAM_PART.matcher(name)).matches()) {
            return segmentLike(name, WalFileKind.STREAM_PART, m);
        }
        if ((m = BACKUP.matcher(name)).matches()) {
            return segmentLike(name, WalFileKind.BACKUP, m);
        }
        if ((m = HISTORY.matcher(name)).matches()) {
            return new WalFileName(name, WalFileKind.HISTORY, timeline(m.group(1), name), 0, 0);
        }
        throw new IllegalArgumentException("not a WAL file name: '" + printable(name)
                + "' (expected a segment like 000000010000000000000001, a .history, .backup or .partial file)");
    }

    private static WalFileName segmentLike(String name, WalFileKind kind, Matcher m) {
        return new WalFileName(name, kind, timeline(m.group(1), name),
                Long.parseLong(m.group(2), 16), Long.parseLong(m.group(3), 16));
    }

    private static int timeline(String hex, String name) {
        long tli = Long.parseLong(hex, 16);
        if (tli == 0) {
            throw new IllegalArgumentException("timeline 0 in WAL file name '" + name + "'");
        }
        return (int) tli;
    }

    private static String printable(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    /** The name of segment number {@code n} (counted from LSN 0) on timeline {@code tli}. */
    public static String segmentName(int tli, long n, long segmentSize) {
        long perLog = 0x1_0000_0000L / segmentSize;
        return String.format("%08X%08X%08X", tli, n / perLog, n % perLog);
    }

    /** This segment's name with another kind's suffix: the .stream object beside a segment. */
    public WalFileName as(WalFileKind other) {
        if (other != WalFileKind.SEGMENT && other != WalFileKind.STREAM && other != WalFileKind.PARTIAL
                || kind != WalFileKind.SEGMENT && kind != WalFileKind.STREAM && kind != WalFileKind.PARTIAL) {
            throw new IllegalArgumentException(name + " has no " + other + " form");
        }
        String base = name.substring(0, 24);
        return parse(switch (other) {
            case STREAM -> base + ".stream";
            case PARTIAL -> base + ".partial";
            default -> base;
        });
    }

    /** The part of segment {@code segment}'s stream that begins at byte {@code offset} of the segment. */
    public static WalFileName streamPart(WalFileName segment, long offset) {
        return parse(segment.name().substring(0, 24) + String.format(".stream.%08X", offset));
    }

    /** Where a {@link WalFileKind#STREAM_PART} begins in its segment. */
    public long streamPartOffset() {
        if (kind != WalFileKind.STREAM_PART) {
            throw new IllegalStateException(name + " is not a part of a stream");
        }
        return Long.parseLong(name.substring(name.length() - 8), 16);
    }

    /** The segment's number counting from LSN 0, given the cluster's segment size. */
    public long segmentNumber(long segmentSize) {
        long segmentsPerLog = 0x1_0000_0000L / segmentSize;
        return log * segmentsPerLog + segment;
    }

    /** "0000000100000000": timeline and log, the directory that groups a timeline's segments. */
    public String timelineAndLog() {
        return name.substring(0, 16);
    }
}
