package dev.pgvault.archiver.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.TimelineHistory;
import dev.pgvault.archiver.wal.WalFileName;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which segments fill the hole a receiver without a slot skipped, and when they are all found. */
class SkippedWalTest {
    private static final long SEG = 16L << 20;
    /** Timeline 1 ended at 0/5000100 (in segment 5), timeline 2 at 0/9000000 (a segment start). */
    private static final TimelineHistory TLI3 = TimelineHistory.parse(3,
            "1\t0/5000100\tno recovery target specified\n2\t0/9000000\tno recovery target specified\n"
                    .getBytes(StandardCharsets.UTF_8));

    private static List<String> needed(SkippedWal hole) throws Exception {
        List<String> asked = new ArrayList<>();
        hole.filled(name -> {
            asked.add(name.name());
            return true;
        }, Long.MAX_VALUE);
        return asked;
    }

    @Test
    void theHoleIsEverySegmentFromTheOneItEndedInUpToWhereStreamingResumes() throws Exception {
        SkippedWal hole = new SkippedWal(Lsn.parse("0/2000200"), Lsn.parse("0/5000000"), TimelineHistory.root(1), SEG);
        assertEquals(List.of("000000010000000000000002", "000000010000000000000003", "000000010000000000000004"),
                needed(hole));
        assertEquals(Lsn.parse("0/2000200"), hole.from());
    }

    @Test
    void eachSegmentIsNamedByTheTimelineThatHoldsItsEnd() throws Exception {
        // Segment 5 holds timeline 1's switch point: recovery reads it from timeline 2's file.
        SkippedWal hole = new SkippedWal(Lsn.parse("0/4000010"), Lsn.parse("0/A000000"), TLI3, SEG);
        assertEquals(List.of("000000010000000000000004", "000000020000000000000005", "000000020000000000000006",
                "000000020000000000000007", "000000020000000000000008", "000000030000000000000009"), needed(hole));
    }

    @Test
    void aResumeInTheSameSegmentIsNoHole() {
        assertTrue(new SkippedWal(Lsn.parse("0/5000000"), Lsn.parse("0/5000000"), TimelineHistory.root(1), SEG).isEmpty());
        assertFalse(new SkippedWal(Lsn.parse("0/4FFFFFF"), Lsn.parse("0/5000000"), TimelineHistory.root(1), SEG).isEmpty());
    }

    @Test
    void itIsFilledOnlyOnceEverySegmentIsStoredAndFindsNoneTwice() throws Exception {
        SkippedWal hole = new SkippedWal(Lsn.parse("0/2000000"), Lsn.parse("0/6000000"), TimelineHistory.root(1), SEG);
        Set<String> stored = new HashSet<>(Set.of("000000010000000000000002", "000000010000000000000004",
                "000000010000000000000005"));
        List<String> asked = new ArrayList<>();
        SkippedWal.Stored repo = name -> {
            asked.add(name.name());
            return stored.contains(name.name());
        };
        assertFalse(hole.filled(repo, Long.MAX_VALUE));
        assertEquals(3, hole.missing());
        assertEquals("000000010000000000000003", hole.firstMissing().name());
        stored.add("000000010000000000000003");
        assertTrue(hole.filled(repo, Long.MAX_VALUE));
        assertEquals(0, hole.missing());
        // segment 2 was looked for once: a segment found is not asked for again
        assertEquals(List.of("000000010000000000000002", "000000010000000000000003", "000000010000000000000003",
                "000000010000000000000004", "000000010000000000000005"), asked);
    }

    @Test
    void aCallStopsLookingWhenItsTimeIsUp() throws Exception {
        SkippedWal hole = new SkippedWal(Lsn.parse("0/0"), Lsn.parse("0/A000000"), TimelineHistory.root(1), SEG);
        int[] calls = {0};
        assertFalse(hole.filled(name -> {
            calls[0]++;
            return true;
        }, 0));
        assertEquals(1, calls[0], "with no time left, one segment per call");
        assertEquals(9, hole.missing());
        WalFileName first = hole.firstMissing();
        assertEquals("000000010000000000000001", first.name());
    }

    @Test
    void aNewTimelineStreamedFromInsideTheHoleCutsItThere() throws Exception {
        SkippedWal hole = new SkippedWal(Lsn.parse("0/2000200"), Lsn.parse("0/8000000"), TimelineHistory.root(1), SEG);
        // timeline 2 branched in segment 5: the receiver streams it from there
        TimelineHistory tli2 = TimelineHistory.parse(2, "1\t0/5000100\tno recovery target specified\n".getBytes(StandardCharsets.UTF_8));
        SkippedWal cut = hole.cutAt(Lsn.parse("0/5000000"), tli2, SEG);
        assertEquals(List.of("000000010000000000000002", "000000010000000000000003", "000000010000000000000004"),
                needed(cut));
        assertEquals(Lsn.parse("0/2000200"), cut.from());
        // one branching before the hole's segment: nothing is left to hold
        assertTrue(hole.cutAt(Lsn.parse("0/2000000"), tli2, SEG).isEmpty());
        // one beyond the hole leaves it whole
        assertEquals(6, hole.cutAt(Lsn.parse("0/9000000"), tli2, SEG).missing());
    }

    @Test
    void aBackupStartedAfterTheHoleWithAllItsWalOnItsHistoryPassesIt() {
        SkippedWal hole = new SkippedWal(Lsn.parse("0/2000200"), Lsn.parse("0/A000000"), TLI3, SEG);
        assertEquals(Lsn.parse("0/A000000"), hole.until());
        assertTrue(hole.passedBy(3, Lsn.parse("0/A000000"), Lsn.parse("0/A000100")), "started where streaming resumed");
        assertTrue(hole.passedBy(3, Lsn.parse("0/B000028"), Lsn.parse("0/B000100")));
        assertFalse(hole.passedBy(3, Lsn.parse("0/9FFFFFF"), Lsn.parse("0/A000100")),
                "started inside the hole: its recovery replays the rest");
        // on timeline 2, which this history left at 0/9000000: before the hole's end
        assertFalse(hole.passedBy(2, Lsn.parse("0/8000028"), Lsn.parse("0/8000100")));
        // on timeline 1 past its end at 0/5000100, or on a timeline not in the history: another branch
        assertFalse(hole.passedBy(1, Lsn.parse("0/B000028"), Lsn.parse("0/B000100")));
        assertFalse(hole.passedBy(4, Lsn.parse("0/B000028"), Lsn.parse("0/B000100")));
        SkippedWal early = new SkippedWal(Lsn.parse("0/1000000"), Lsn.parse("0/3000000"), TLI3, SEG);
        assertTrue(early.passedBy(1, Lsn.parse("0/4000028"), Lsn.parse("0/5000100")),
                "a backup on an ancestor, after the hole, done by the switch");
        assertTrue(early.passedBy(2, Lsn.parse("0/6000028"), Lsn.parse("0/6000100")));
        // begun on timeline 1 before its switch, but its WAL went on past it: the old primary's branch
        assertFalse(early.passedBy(1, Lsn.parse("0/4000028"), Lsn.parse("0/5000200")));
    }
}
