package dev.pgvault.archiver.wal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A timeline's history file ({@code 00000003.history}): the timelines it descends from and the
 * LSN at which each one was left. Timeline 1 has none; its history is empty.
 *
 * <p>PostgreSQL writes one line per ancestor, oldest first: parent timeline, switch point, and a
 * free-text reason; blank lines and lines starting with '#' are ignored (readTimeLineHistory in
 * timeline.c). Each parent is newer than the one before it and older than the timeline itself.
 *
 * @param timeline the timeline whose history this is
 * @param ancestors oldest first: on {@code ancestors[i].timeline()} WAL was followed up to its
 *     {@code switchPoint()}, where the next timeline (or this one) begins
 */
public record TimelineHistory(int timeline, List<Entry> ancestors) {

    /** One line: WAL of {@code timeline} was followed up to {@code switchPoint}. */
    public record Entry(int timeline, Lsn switchPoint) {}

    public TimelineHistory {
        ancestors = List.copyOf(ancestors);
    }

    /** Timeline 1, or any timeline whose history file is unknown: no ancestors. */
    public static TimelineHistory root(int timeline) {
        return new TimelineHistory(timeline, List.of());
    }

    /**
     * Parses the content of the history file of {@code timeline}. Throws
     * IllegalArgumentException naming the line when it is not a history of that timeline (a file
     * stored under the wrong name, or damaged).
     */
    public static TimelineHistory parse(int timeline, byte[] content) {
        String text = new String(content, StandardCharsets.UTF_8);
        List<Entry> entries = new ArrayList<>();
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] f = t.split("\\s+", 3);
            if (f.length < 2) {
                throw bad(timeline, lineNo, "expected a parent timeline and a switch point");
            }
            long parent;
            Lsn at;
            try {
                parent = Long.parseLong(f[0]);
                at = Lsn.parse(f[1]);
            } catch (IllegalArgumentException e) {
                throw bad(timeline, lineNo, "expected a parent timeline and a switch point");
            }
            Entry previous = entries.isEmpty() ? null : entries.get(entries.size() - 1);
            if (parent < 1 || parent >= Integer.toUnsignedLong(timeline)) {
                throw bad(timeline, lineNo, "parent timeline " + parent + " is not older than timeline " + timeline);
            }
            if (previous != null && parent <= previous.timeline()) {
                throw bad(timeline, lineNo, "timeline " + parent + " does not follow timeline " + previous.timeline());
            }
            if (previous != null && at.compareTo(previous.switchPoint()) < 0) {
                throw bad(timeline, lineNo, "switch point " + at + " is before the previous one, " + previous.switchPoint());
            }
            entries.add(new Entry((int) parent, at));
        }
        if (entries.isEmpty() && timeline > 1) {
            throw new IllegalArgumentException("not the history of timeline " + timeline + ": it names no parent timeline");
        }
        return new TimelineHistory(timeline, entries);
    }

    private static IllegalArgumentException bad(int timeline, int lineNo, String what) {
        return new IllegalArgumentException("not the history of timeline " + timeline + ": line " + lineNo + ": " + what);
    }

    /** Whether {@code tli} is this timeline or one it descends from. */
    public boolean contains(int tli) {
        return tli == timeline || ancestors.stream().anyMatch(e -> e.timeline() == tli);
    }

    /**
     * Where WAL of {@code tli} stops being part of this timeline's history: the switch point away
     * from it, or null (no end) for this timeline itself. Only for a timeline it {@link #contains}.
     */
    public Lsn endOf(int tli) {
        if (tli == timeline) {
            return null;
        }
        for (Entry e : ancestors) {
            if (e.timeline() == tli) {
                return e.switchPoint();
            }
        }
        throw new IllegalArgumentException("timeline " + tli + " is not in the history of timeline " + timeline);
    }

    /**
     * Whether WAL of timeline {@code tli} up to {@code end} (a backup's stop, say) is part of this
     * history: {@code tli} is this timeline, or one it left at or after {@code end}.
     */
    public boolean holdsUpTo(int tli, Lsn end) {
        if (!contains(tli)) {
            return false;
        }
        Lsn leftAt = endOf(tli);
        return leftAt == null || end.compareTo(leftAt) <= 0;
    }

    /** Where this history's WAL of {@code tli} begins: the switch point into it, or 0 for the first. */
    public Lsn beginOf(int tli) {
        Lsn begin = new Lsn(0);
        for (Entry e : ancestors) {
            if (e.timeline() == tli) {
                return begin;
            }
            begin = e.switchPoint();
        }
        if (tli == timeline) {
            return begin;
        }
        throw new IllegalArgumentException("timeline " + tli + " is not in the history of timeline " + timeline);
    }
}
