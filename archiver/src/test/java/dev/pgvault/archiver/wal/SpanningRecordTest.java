package dev.pgvault.archiver.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * A record that begins on a segment's last page and ends in the next segment, laid out as
 * PostgreSQL writes it (page headers between, the next segment's first page marked as continuing
 * it with the bytes left): its CRC holds over the two, and fails over a copy cut inside it.
 */
class SpanningRecordTest {
    private static final int BLOCK = 8192;
    private static final int SEGMENT = 4 * BLOCK;
    private static final int START = 3 * BLOCK + 24 + 96; // on the last page, after its short header
    private static final int DATA = 10_000; // runs past the segment's end, over the next one's first page

    /** Two segments: this one ending with the record, the next one finishing it. */
    private static ByteBuffer[] pair(int nextInfo, int remaining) {
        byte[] record = new byte[24 + DATA];
        ByteBuffer r = ByteBuffer.wrap(record).order(ByteOrder.nativeOrder());
        r.putInt(0, record.length).putInt(4, 777).putLong(8, 0x1000L);
        record[16] = 0x10; // xl_info
        record[17] = 10; // xl_rmid: heap
        byte[] data = new byte[DATA];
        new Random(7).nextBytes(data);
        Arrays.fill(data, DATA - 300, DATA, (byte) 0); // it ends in zeros, as a full-page image of an empty page may
        System.arraycopy(data, 0, record, 24, DATA);
        CRC32C crc = new CRC32C();
        crc.update(record, 24, DATA);
        crc.update(record, 0, 20);
        r.putInt(20, (int) crc.getValue());

        byte[] seg = new byte[SEGMENT];
        byte[] next = new byte[SEGMENT];
        System.arraycopy(new WalSegmentHeader(0xD110, 1, 0x5000000L, 42L, SEGMENT, BLOCK).encode(), 0, seg, 0, 40);
        byte[] nextHeader = new WalSegmentHeader(0xD110, 1, 0x5000000L + SEGMENT, 42L, SEGMENT, BLOCK).encode();
        ByteBuffer.wrap(nextHeader).order(ByteOrder.nativeOrder()).putShort(2, (short) (0x0002 | nextInfo))
                .putInt(16, remaining);
        System.arraycopy(nextHeader, 0, next, 0, 40);
        // a record before it, from the first page to the last, over the page headers between
        ByteBuffer sb = ByteBuffer.wrap(seg).order(ByteOrder.nativeOrder());
        for (int page = BLOCK; page < SEGMENT; page += BLOCK) {
            sb.putShort(page, (short) 0xD110).putShort(page + 2, (short) 0x0001).putInt(page + 4, 1)
                    .putLong(page + 8, 0x5000000L + page);
        }
        int filler = (BLOCK - 40) + 2 * (BLOCK - 24) + (START - 3 * BLOCK - 24);
        sb.putInt(40, filler);
        seg[40 + 17] = 10;
        int inThis = SEGMENT - START;
        System.arraycopy(record, 0, seg, START, inThis);
        System.arraycopy(record, inThis, next, 40, record.length - inThis); // fits the next one's first page
        return new ByteBuffer[] {ByteBuffer.wrap(seg), ByteBuffer.wrap(next)};
    }

    private static int left() {
        return 24 + DATA - (SEGMENT - START);
    }

    @Test
    void theRecordHoldsItsCrcOverBothSegments() {
        ByteBuffer[] p = pair(0x0001, left());
        assertEquals(Optional.of(true), SpanningRecord.crcMatches(p[0], START, p[1]));
        assertEquals(START, WalSegmentEnd.ending(p[0]).spanningStart(), "the walk finds where the last record begins");
    }

    @Test
    void aCopyCutInsideTheRecordAndPaddedFailsIt() {
        ByteBuffer[] p = pair(0x0001, left());
        byte[] cut = p[0].array().clone();
        Arrays.fill(cut, SEGMENT - 200, SEGMENT, (byte) 0);
        WalSegmentEnd.Ending ending = WalSegmentEnd.ending(ByteBuffer.wrap(cut));
        assertEquals(true, ending.zerosUnexplained(), "the walk alone sees a finished segment ending in zeros");
        assertEquals(Optional.of(false), SpanningRecord.crcMatches(ByteBuffer.wrap(cut), START, p[1]));
    }

    @Test
    void aNextSegmentThatDoesNotContinueItTellsNothing() {
        assertEquals(Optional.empty(), SpanningRecord.crcMatches(pair(0, left())[0], START, pair(0, left())[1]),
                "not marked as a continuation");
        ByteBuffer[] overwrite = pair(0x0001 | 0x0008, left());
        assertEquals(Optional.empty(), SpanningRecord.crcMatches(overwrite[0], START, overwrite[1]),
                "after a record the server abandoned");
        ByteBuffer[] other = pair(0x0001, left() + 8);
        assertEquals(Optional.empty(), SpanningRecord.crcMatches(other[0], START, other[1]), "another record's remainder");
    }
}
