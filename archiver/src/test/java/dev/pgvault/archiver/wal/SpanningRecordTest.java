package dev.pgvault.archiver.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * A record that begins on a segment's second page, crosses its last two pages and the next
 * segment's first, and ends on the next segment's second page, laid out as PostgreSQL writes it
 * (a page header on every page, each continuing page marked so with the bytes left). Its part in
 * the first segment ends in zeros, as a full-page image of an empty page may: the walk of that
 * segment alone cannot tell it from a copy cut there. (That the CRC is PostgreSQL's is shown on
 * real WAL by UnfinishedSegmentIT.)
 */
class SpanningRecordTest {
    private static final int BLOCK = 8192;
    private static final int SEGMENT = 4 * BLOCK;
    private static final long BASE = 0x5000000L;
    private static final int START = BLOCK + 24 + 200; // on the second page, after a record from the first
    private static final int IN_FIRST = (2 * BLOCK - START) + 2 * (BLOCK - 24);
    private static final int IN_NEXT = (BLOCK - 40) + 1000; // the next one's first page, and 1000 bytes of its second
    private static final int TOTAL = IN_FIRST + IN_NEXT;
    private static final int ZEROS = 500; // the record's last bytes in the first segment

    private final byte[] seg = new byte[SEGMENT];
    private final byte[] next = new byte[SEGMENT];

    SpanningRecordTest() {
        byte[] record = new byte[TOTAL];
        ByteBuffer r = ByteBuffer.wrap(record).order(ByteOrder.nativeOrder());
        r.putInt(0, TOTAL).putInt(4, 777).putLong(8, BASE + 40);
        record[16] = 0x10; // xl_info
        record[17] = 10; // xl_rmid: heap
        Random random = new Random(7);
        for (int i = 24; i < TOTAL; i++) {
            record[i] = (byte) (random.nextInt(255) + 1);
        }
        Arrays.fill(record, IN_FIRST - ZEROS, IN_FIRST, (byte) 0);
        CRC32C crc = new CRC32C();
        crc.update(record, 24, TOTAL - 24);
        crc.update(record, 0, 20);
        r.putInt(20, (int) crc.getValue());

        header(seg, BASE, 0, 0);
        header(next, BASE + SEGMENT, 0, IN_NEXT);
        for (int page = BLOCK; page < SEGMENT; page += BLOCK) {
            pageHeader(seg, BASE, page, 0x0001, 0); // the first page's record, then this one, go on over them
        }
        pageHeader(next, BASE + SEGMENT, BLOCK, 0x0001, 1000);
        ByteBuffer.wrap(seg).order(ByteOrder.nativeOrder()).putInt(40, (BLOCK - 40) + 200); // the record before it
        seg[40 + 17] = 10;
        lay(seg, START, record, 0, IN_FIRST);
        lay(next, 40, record, IN_FIRST, IN_NEXT);
    }

    private static void header(byte[] into, long address, int extraInfo, int remaining) {
        byte[] h = new WalSegmentHeader(0xD110, 1, address, 42L, SEGMENT, BLOCK).encode();
        System.arraycopy(h, 0, into, 0, h.length);
        ByteBuffer b = ByteBuffer.wrap(into).order(ByteOrder.nativeOrder());
        b.putShort(2, (short) (0x0002 | (remaining > 0 ? 0x0001 : 0) | extraInfo)).putInt(16, remaining);
    }

    private static void pageHeader(byte[] into, long base, int page, int info, int remaining) {
        ByteBuffer.wrap(into).order(ByteOrder.nativeOrder()).putShort(page, (short) 0xD110).putShort(page + 2, (short) info)
                .putInt(page + 4, 1).putLong(page + 8, base + page).putInt(page + 16, remaining);
    }

    /** Writes {@code len} bytes of {@code src} from {@code pos}, stepping over page headers. */
    private static void lay(byte[] into, int pos, byte[] src, int off, int len) {
        while (len > 0) {
            if (pos % BLOCK == 0) {
                pos += pos == 0 ? 40 : 24;
            }
            int n = Math.min(len, BLOCK - pos % BLOCK);
            System.arraycopy(src, off, into, pos, n);
            pos += n;
            off += n;
            len -= n;
        }
    }

    private static Optional<Boolean> check(byte[] segment, byte[] following) {
        return SpanningRecord.crcMatches(ByteBuffer.wrap(segment), START, ByteBuffer.wrap(following));
    }

    @Test
    void aFinishedSegmentWhoseLastRecordEndsInZerosHoldsItsCrcOverBothSegments() {
        WalSegmentEnd.Ending ending = WalSegmentEnd.ending(ByteBuffer.wrap(seg));
        assertTrue(ending.zerosUnexplained(), "the walk alone cannot tell it from a copy cut there");
        assertEquals(START, ending.spanningStart());
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
        header(notMarked, BASE + SEGMENT, 0, 0);
        assertEquals(Optional.empty(), check(seg, notMarked), "its first page not a continuation");
        byte[] abandoned = next.clone();
        pageHeader(abandoned, BASE + SEGMENT, BLOCK, 0x0001 | 0x0008, 1000);
        assertEquals(Optional.empty(), check(seg, abandoned), "its second page after a record abandoned in a crash");
        byte[] otherLength = next.clone();
        pageHeader(otherLength, BASE + SEGMENT, BLOCK, 0x0001, 1008);
        assertEquals(Optional.empty(), check(seg, otherLength), "its second page continuing another length");
        byte[] zeroed = next.clone();
        Arrays.fill(zeroed, BLOCK, SEGMENT, (byte) 0);
        assertEquals(Optional.empty(), check(seg, zeroed), "its second page zeros (a padded copy)");
        byte[] elsewhere = next.clone();
        header(elsewhere, BASE + 2 * SEGMENT, 0, IN_NEXT);
        assertEquals(Optional.empty(), check(seg, elsewhere), "not the segment after it");
    }

    @Test
    void aLastRecordEndingExactlyAtTheSegmentsEndIsCheckedAlone() {
        // the same segment, its last record cut to end at the segment's end, its CRC made anew
        byte[] exact = seg.clone();
        byte[] record = new byte[IN_FIRST];
        int pos = START;
        for (int got = 0; got < IN_FIRST; ) {
            if (pos % BLOCK == 0) {
                pos += 24;
            }
            int n = Math.min(IN_FIRST - got, BLOCK - pos % BLOCK);
            System.arraycopy(exact, pos, record, got, n);
            got += n;
            pos += n;
        }
        ByteBuffer r = ByteBuffer.wrap(record).order(ByteOrder.nativeOrder());
        r.putInt(0, IN_FIRST);
        CRC32C crc = new CRC32C();
        crc.update(record, 24, IN_FIRST - 24);
        crc.update(record, 0, 20);
        r.putInt(20, (int) crc.getValue());
        lay(exact, START, record, 0, IN_FIRST);
        assertEquals(Optional.of(true), SpanningRecord.crcMatches(ByteBuffer.wrap(exact), START, null));
        byte[] cut = exact.clone();
        Arrays.fill(cut, SEGMENT - 3000, SEGMENT, (byte) 0);
        assertEquals(Optional.of(false), SpanningRecord.crcMatches(ByteBuffer.wrap(cut), START, null));
        assertEquals(Optional.empty(), SpanningRecord.crcMatches(ByteBuffer.wrap(seg), START, null),
                "one that goes on cannot be told without the next segment");
    }
}
