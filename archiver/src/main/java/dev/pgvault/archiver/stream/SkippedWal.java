package dev.pgvault.archiver.stream;

import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.TimelineHistory;
import dev.pgvault.archiver.wal.WalFileName;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * WAL a receiver without a slot never got: the server removed it while the receiver was away,
 * from {@link #from} up to the segment where streaming resumed. Until the repository holds every
 * segment of it, or a backup is taken after it ({@link #passedBy}), the flush position the
 * receiver reports stays at {@link #from} ({@link SkippedWalHold}): reporting past a hole would
 * release synchronous commits whose WAL is in no repository. With archive_mode on and
 * archive_command pushing to the same stanza, PostgreSQL removes no segment before it is stored
 * there, so the hole is usually filled already, or soon.
 */
final class SkippedWal {
    /** Whether the repository holds a segment's complete object. */
    interface Stored {
        boolean has(WalFileName segment) throws IOException;
    }

    private final Lsn from;
    /** Where streaming resumed: the hole's end, a segment start. */
    private final Lsn until;
    /** The history recovery follows across the hole: the server's, when the hole was recorded. */
    private final TimelineHistory history;
    /** The segments recovery needs to cross the hole, in order, on the timeline that holds each one's end. */
    private final List<WalFileName> segments;
    /** How many of {@link #segments}, from the first, were found in the repository. */
    private int found;

    /**
     * The hole from {@code from} (where the receiver's WAL ends) to {@code resumeAt} (a segment
     * start on {@code history}'s timeline, where streaming resumes); empty when they share a segment.
     */
    SkippedWal(Lsn from, Lsn resumeAt, TimelineHistory history, long segmentSize) {
        this.from = from;
        this.until = resumeAt;
        this.history = history;
        this.segments = new ArrayList<>();
        for (long n = from.segmentNumber(segmentSize); n < resumeAt.segmentNumber(segmentSize); n++) {
            // A segment holding a timeline switch is read from the newer timeline's file, which
            // begins with the older timeline's bytes: the timeline of its last byte names it.
            int tli = StreamStart.timelineOf(history, new Lsn((n + 1) * segmentSize - 1));
            segments.add(WalFileName.parse(WalFileName.segmentName(tli, n, segmentSize)));
        }
    }

    /**
     * This hole once the receiver streams a new timeline from {@code streamFrom} (a segment start
     * on {@code history}, the new timeline's): what lies beyond that it streams itself, so the
     * hole ends there at the latest; empty when streaming begins at or before its segment.
     */
    SkippedWal cutAt(Lsn streamFrom, TimelineHistory history, long segmentSize) {
        return new SkippedWal(from, streamFrom.compareTo(until) < 0 ? streamFrom : until, history, segmentSize);
    }

    /** Where the receiver's WAL ended when the server's next WAL was gone: the hole's start. */
    Lsn from() {
        return from;
    }

    /** Where streaming resumed: the hole's end. */
    Lsn until() {
        return until;
    }

    /**
     * Whether a complete backup of timeline {@code tli}, from {@code start} to {@code stop}, makes
     * the hole harmless: it started at or after the hole's end, and all its WAL is on this hole's
     * history (a backup of an old primary that went on past the point where this history left its
     * timeline is another branch's), so a restore of it, and of any commit the receiver reports
     * past the hole, replays none of the hole's WAL.
     */
    boolean passedBy(int tli, Lsn start, Lsn stop) {
        return start.compareTo(until) >= 0 && onHistory(tli, stop);
    }

    /** Whether WAL of timeline {@code tli} up to {@code stop} is on this hole's history. */
    boolean onHistory(int tli, Lsn stop) {
        return history.holdsUpTo(tli, stop);
    }

    boolean isEmpty() {
        return segments.isEmpty();
    }

    /** The first segment not yet found in the repository; only while {@link #filled} is false. */
    WalFileName firstMissing() {
        return segments.get(found);
    }

    /** Segments not yet found. */
    int missing() {
        return segments.size() - found;
    }

    /**
     * Looks for the segments not yet found, in order, until one is missing or {@code budgetNanos}
     * have passed (a long hole is checked over several calls, so that a receive loop is never held
     * long); true once every segment is in the repository.
     */
    boolean filled(Stored repository, long budgetNanos) throws IOException {
        long start = System.nanoTime();
        while (found < segments.size() && repository.has(segments.get(found))) {
            found++;
            if (System.nanoTime() - start >= budgetNanos) {
                break;
            }
        }
        return found == segments.size();
    }
}
