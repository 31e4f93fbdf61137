package dev.pgvault.archiver.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.TimelineHistory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Where a reconnected receiver streams from, across timeline switches. */
class StreamStartTest {
    private static final long SEG = 16L << 20;
    /** Timeline 1 ended at 0/5000100 (in segment 5), timeline 2 at 0/9000000 (a segment start). */
    private static final TimelineHistory TLI3 = TimelineHistory.parse(3,
            "1\t0/5000100\tno recovery target specified\n2\t0/9000000\tno recovery target specified\n"
                    .getBytes(StandardCharsets.UTF_8));

    private static StreamStart.Plan plan(int tli, String have, int serverTli, String flushed, TimelineHistory h) {
        return StreamStart.plan(new StreamStart.Position(tli, Lsn.parse(have)), serverTli, Lsn.parse(flushed), h, SEG);
    }

    @Test
    void onTheServersTimelineItContinuesWhereItStands() {
        assertEquals(new StreamStart.Stream(1, Lsn.parse("0/3000200"), true),
                plan(1, "0/3000200", 1, "0/4000000", TimelineHistory.root(1)));
    }

    @Test
    void aServerBehindTheReceiverIsWaitedFor() {
        StreamStart.Wait w = assertInstanceOf(StreamStart.Wait.class, plan(1, "0/5000000", 1, "0/4000000", TimelineHistory.root(1)));
        assertTrue(w.reason().contains("only up to 0/4000000"), w.reason());
    }

    @Test
    void anOldTimelineIsFollowedToItsEndThenTheNextFromTheSwitchSegmentsStart() {
        assertEquals(new StreamStart.Stream(1, Lsn.parse("0/4000000"), true), plan(1, "0/4000000", 3, "0/A000000", TLI3));
        // Timeline 1 received up to its end: timeline 2 from the start of segment 5, a new buffer.
        assertEquals(new StreamStart.Stream(2, Lsn.parse("0/5000000"), false), plan(1, "0/5000100", 3, "0/A000000", TLI3));
        // WAL of timeline 1 beyond its switch point (the old primary ran ahead): left under timeline 1's names.
        assertEquals(new StreamStart.Stream(2, Lsn.parse("0/5000000"), false), plan(1, "0/6000010", 3, "0/A000000", TLI3));
        assertEquals(new StreamStart.Stream(3, Lsn.parse("0/9000000"), false), plan(2, "0/9000000", 3, "0/A000000", TLI3));
    }

    @Test
    void aTimelineOutsideTheServersHistoryIsWaitedOn() {
        StreamStart.Wait w = assertInstanceOf(StreamStart.Wait.class, plan(4, "0/9000000", 3, "0/A000000", TLI3));
        assertTrue(w.reason().contains("does not include timeline 4"), w.reason());
    }

    @Test
    void theTimelineOfAPositionFollowsTheSwitchPoints() {
        assertEquals(1, StreamStart.timelineOf(TLI3, Lsn.parse("0/50000FF")));
        assertEquals(2, StreamStart.timelineOf(TLI3, Lsn.parse("0/5000100")));
        assertEquals(3, StreamStart.timelineOf(TLI3, Lsn.parse("0/9000000")));
    }
}
