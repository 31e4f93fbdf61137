package dev.pgvault.archiver.stream;

import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.TimelineHistory;

/**
 * Where a (re)connected receiver starts streaming, given where it stands and what the server
 * says: the pure part of following timelines.
 *
 * <p>WAL of a timeline the server has left is streamed up to where that timeline ended (the
 * server names it with the timeline in START_REPLICATION). Past that point the receiver moves to
 * the next timeline of the server's history, from the start of the segment holding the switch
 * point: that segment's file on the new timeline begins with the old timeline's bytes, as
 * archive_command would store it. WAL the receiver had beyond the switch point stays under the
 * old timeline's names, as PostgreSQL leaves it.
 */
final class StreamStart {
    private StreamStart() {}

    /** Where the receiver stands: it has WAL of {@code timeline} up to {@code end}. */
    record Position(int timeline, Lsn end) {}

    /** What to do on this connection. */
    sealed interface Plan permits Stream, Wait {}

    /**
     * Stream timeline {@code timeline} from {@code from}; {@code keepBuffer}: the segment in
     * progress continues (else a new one begins at {@code from}, a segment start).
     */
    record Stream(int timeline, Lsn from, boolean keepBuffer) implements Plan {}

    /** Nothing can be streamed from this server now, for the reason given; try again later. */
    record Wait(String reason) implements Plan {}

    static Plan plan(Position have, int serverTimeline, Lsn serverFlushed, TimelineHistory history, long segmentSize) {
        int t = have.timeline();
        Lsn r = have.end();
        if (t == serverTimeline) {
            if (r.compareTo(serverFlushed) > 0) {
                return new Wait("the server has flushed WAL of timeline " + t + " only up to " + serverFlushed
                        + ", and the receiver already has it up to " + r);
            }
            return new Stream(t, r, true);
        }
        if (!history.contains(t)) {
            return new Wait("the server is on timeline " + serverTimeline + ", whose history does not include timeline "
                    + t + " that the receiver has WAL of up to " + r + " (another primary?)");
        }
        Lsn end = history.endOf(t);
        if (r.compareTo(end) < 0) {
            return new Stream(t, r, true);
        }
        int next = nextAfter(history, t);
        return new Stream(next, new Lsn(end.segmentNumber(segmentSize) * segmentSize), false);
    }

    /** The timeline of {@code history} that holds {@code lsn}. */
    static int timelineOf(TimelineHistory history, Lsn lsn) {
        for (TimelineHistory.Entry e : history.ancestors()) {
            if (lsn.compareTo(e.switchPoint()) < 0) {
                return e.timeline();
            }
        }
        return history.timeline();
    }

    private static int nextAfter(TimelineHistory history, int tli) {
        var a = history.ancestors();
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i).timeline() == tli) {
                return i + 1 < a.size() ? a.get(i + 1).timeline() : history.timeline();
            }
        }
        throw new IllegalArgumentException("timeline " + tli + " is not an ancestor of timeline " + history.timeline());
    }
}
