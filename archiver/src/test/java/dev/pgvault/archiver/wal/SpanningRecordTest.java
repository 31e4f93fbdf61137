package dev.pgvault.archiver.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The last record of a segment checked against its CRC across the boundary, on {@link
 * SpanningPair}'s segments: a record whose part in the first segment ends in zeros, which the
 * walk of that segment alone cannot tell from a copy cut there.
 */
class SpanningRecordTest {
    private static final int BLOCK = SpanningPair.BLOCK;
    private static final int SEGMENT = 4 * BLOCK;
    private static final long BASE = 0x5000000L;

    private final SpanningPair pair = new SpanningPair(SEGMENT, BASE / SEGMENT, 42L, 500);
    private final byte[] seg = pair.seg;
    private final byte[] next = pair.next;

    private Optional<Boolean> check(byte[] segment, byte[] following) {
        return SpanningRecord.crcMatches(ByteBuffer.wrap(segment), pair.start, ByteBuffer.wrap(following));
    }

    @Test
    void aFinishedSegmentWhoseLastRecordEndsInZerosHoldsItsCrcOverBothSegments() {
        WalSegmentEnd.Ending ending = WalSegmentEnd.ending(ByteBuffer.wrap(seg));
        assertTrue(ending.zerosUnexplained(), "the walk alone cannot tell it from a copy cut there");
        assertEquals(pair.start, ending.spanningStart());
        assertEquals(Optional.of(true), check(seg, next));
    }

    @Test
    void aCopyCutInsideTheRecordAndPaddedFailsIt() {
        byte[] cut = seg.clone();
        Arrays.fill(cut, SEGMENT - 3000, SEGMENT, (byte) 0);
        assertTrue(WalSegmentEnd.ending(ByteBuffer.wrap(cut)).zerosUnexplained());
        assertEquals(Optional.of(false), check(cut, next));
    }

    @Test
    void aNextSegmentThatDoesNotContinueTheRecordPageByPageTellsNothing() {
        byte[] notMarked = next.clone();
        pair.header(notMarked, BASE + SEGMENT, 0);
        assertEquals(Optional.empty(), check(seg, notMarked), "its first page not a continuation");
        byte[] abandoned = next.clone();
        SpanningPair.pageHeader(abandoned, BASE + SEGMENT, BLOCK, 0x0001 | 0x0008, 1000);
        assertEquals(Optional.empty(), check(seg, abandoned), "its second page after a record abandoned in a crash");
        byte[] otherLength = next.clone();
        SpanningPair.pageHeader(otherLength, BASE + SEGMENT, BLOCK, 0x0001, 1008);
        assertEquals(Optional.empty(), check(seg, otherLength), "its second page continuing another length");
        byte[] zeroed = next.clone();
        Arrays.fill(zeroed, BLOCK, SEGMENT, (byte) 0);
        assertEquals(Optional.empty(), check(seg, zeroed), "its second page zeros (a padded copy)");
        byte[] elsewhere = next.clone();
        pair.header(elsewhere, BASE + 2 * SEGMENT, pair.inNext);
        assertEquals(Optional.empty(), check(seg, elsewhere), "not the segment after it");
    }

    /**
     * A record whose bytes on the segment's last page are all zeros, and a copy of that segment
     * cut inside that page's header, after its address: the copy differs only in the header's
     * remaining length, which the CRC does not cover. Not told (archive-push refuses it).
     */
    @Test
    void aCopyCutInsideAPageHeaderTheRecordCrossesTellsNothing() {
        SpanningPair zeroTail = new SpanningPair(SEGMENT, BASE / SEGMENT, 42L, BLOCK - 24 + 100);
        assertEquals(Optional.of(true), SpanningRecord.crcMatches(ByteBuffer.wrap(zeroTail.seg), zeroTail.start,
                ByteBuffer.wrap(zeroTail.next)));
        byte[] cut = zeroTail.seg.clone();
        Arrays.fill(cut, SEGMENT - BLOCK + 16, SEGMENT, (byte) 0);
        WalSegmentEnd.Ending ending = WalSegmentEnd.ending(ByteBuffer.wrap(cut));
        assertTrue(ending.zerosUnexplained() && ending.stop().isEmpty(), "the walk cannot tell it");
        assertEquals(Optional.empty(), SpanningRecord.crcMatches(ByteBuffer.wrap(cut), zeroTail.start,
                ByteBuffer.wrap(zeroTail.next)));
    }

    @Test
    void aLastRecordEndingExactlyAtTheSegmentsEndIsCheckedAlone() {
        // the same segment, its last record cut to end at the segment's end, its CRC made anew
        byte[] exact = seg.clone();
        byte[] record = new byte[pair.inFirst];
        int pos = pair.start;
        for (int got = 0; got < pair.inFirst; ) {
            if (pos % BLOCK == 0) {
                pos += 24;
            }
            int n = Math.min(pair.inFirst - got, BLOCK - pos % BLOCK);
            System.arraycopy(exact, pos, record, got, n);
            got += n;
            pos += n;
        }
        ByteBuffer.wrap(record).order(ByteOrder.nativeOrder()).putInt(0, pair.inFirst);
        SpanningPair.lay(exact, BASE, pair.start, SpanningPair.withCrc(record), 0, pair.inFirst, 0);
        assertEquals(Optional.of(true), SpanningRecord.crcMatches(ByteBuffer.wrap(exact), pair.start, null));
        byte[] cut = exact.clone();
        Arrays.fill(cut, SEGMENT - 3000, SEGMENT, (byte) 0);
        assertEquals(Optional.of(false), SpanningRecord.crcMatches(ByteBuffer.wrap(cut), pair.start, null));
        assertEquals(Optional.empty(), SpanningRecord.crcMatches(ByteBuffer.wrap(seg), pair.start, null),
                "one that goes on cannot be told without the next segment");
    }
}
