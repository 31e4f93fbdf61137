package dev.pgvault.archiver.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Segments laid out as PostgreSQL 15 writes them (page headers, records at 8-byte boundaries,
 * records and their headers continuing across pages), small ones of 16 pages; UnfinishedSegmentIT
 * checks real segments.
 */
class WalSegmentEndTest {
    private static final int BLOCK = 8192;
    private static final int PAGES = 16;
    private static final long START = 5L * BLOCK * PAGES;

    /** Writes records into a segment, page headers and continuation flags as PostgreSQL does. */
    private static final class Segment {
        final ByteBuffer b = ByteBuffer.allocate(BLOCK * PAGES).order(ByteOrder.nativeOrder());
        int pos;

        Segment(int continuedBytes) {
            page(0, continuedBytes);
            pos = 40;
            pos = data(continuedBytes, (byte) 7);
            pos = align(pos);
        }

        /** A page header at page {@code p}; {@code remaining} bytes of a record continue on it. */
        private void page(int p, long remaining) {
            int at = p * BLOCK;
            int info = (p == 0 ? 0x2 : 0) | (remaining > 0 ? 0x1 : 0);
            b.putShort(at, (short) 0xD110).putShort(at + 2, (short) info).putInt(at + 4, 1)
                    .putLong(at + 8, START + at).putInt(at + 16, (int) remaining);
            if (p == 0) {
                b.putLong(at + 24, 42L).putInt(at + 32, BLOCK * PAGES).putInt(at + 36, BLOCK);
            }
        }

        /** Writes {@code n} bytes of one record from {@code pos}, over page boundaries; returns where they end. */
        private int data(long n, byte fill) {
            int p = pos;
            long left = n;
            while (left > 0) {
                if (p == b.capacity()) {
                    return p; // goes on in the next segment
                }
                if (p % BLOCK == 0) {
                    page(p / BLOCK, left);
                    p += 24;
                }
                int take = (int) Math.min(left, BLOCK - p % BLOCK);
                for (int i = 0; i < take; i++) {
                    b.put(p + i, fill);
                }
                p += take;
                left -= take;
            }
            return p;
        }

        /** A record of {@code total} bytes (its 24-byte header included); rmid and info as given. */
        Segment record(int total, int rmid, int info) {
            if (pos % BLOCK == 0 && pos < b.capacity()) {
                page(pos / BLOCK, 0);
                pos += 24;
            }
            ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.nativeOrder());
            h.putInt(0, total).putInt(4, 9).putLong(8, 1234).put(16, (byte) info).put(17, (byte) rmid).putInt(20, 0x5EED);
            int start = pos;
            // the header itself may cross a page: written as data, then the rest
            byte[] header = h.array();
            int p = pos;
            int done = 0;
            while (done < 24 && p < b.capacity()) {
                if (p % BLOCK == 0) {
                    page(p / BLOCK, total - done);
                    p += 24;
                }
                b.put(p++, header[done++]);
            }
            pos = p;
            pos = data(total - 24, (byte) (start % 251 + 1));
            pos = pos >= b.capacity() ? pos : align(pos);
            return this;
        }

        Segment records(int total, int count) {
            for (int i = 0; i < count && pos < b.capacity(); i++) {
                record(total, 10, 0);
            }
            return this;
        }

        /** Records until the segment is full, the last going on in the next segment. */
        Segment fill(int total) {
            while (pos < b.capacity()) {
                record(total, 10, 0);
            }
            return this;
        }

        byte[] bytes() {
            return b.array();
        }

        byte[] zeroedFrom(int offset) {
            byte[] out = b.array().clone();
            Arrays.fill(out, offset, out.length, (byte) 0);
            return out;
        }

        private static int align(int p) {
            return (p + 7) & ~7;
        }
    }

    @Test
    void aSegmentWhoseRecordsRunToItsEndIsFinished() {
        for (int size : new int[] {24, 60, 200, 8000, 8192, 20_000, 100_003}) {
            assertEquals(OptionalLong.empty(), WalSegmentEnd.unfinishedAt(new Segment(0).fill(size).bytes()), "records of " + size);
        }
    }

    @Test
    void zerosAfterAnyRecordMeanUnfinishedAtThatRecordsEnd() {
        for (int size : new int[] {24, 60, 200, 8000, 20_000}) {
            Segment s = new Segment(0).records(size, Math.min(30, 100_000 / size));
            int end = s.pos;
            assertEquals(OptionalLong.of(end), WalSegmentEnd.unfinishedAt(s.bytes()), "after records of " + size);
        }
    }

    @Test
    void zerosInTheMiddleOfARecordAreFoundAtTheNextPage() {
        Segment s = new Segment(0).records(20_000, 3);
        int cut = 40 + 5000;
        OptionalLong at = WalSegmentEnd.unfinishedAt(s.zeroedFrom(cut));
        assertEquals(OptionalLong.of(BLOCK), at, "the page where the cut record should have gone on");
    }

    @Test
    void zerosAfterASwitchRecordAreTheSegmentsDesignedEnd() {
        Segment s = new Segment(0).records(300, 5).record(24, 0, 0x40);
        assertEquals(OptionalLong.empty(), WalSegmentEnd.unfinishedAt(s.bytes()));
        // but not another record of the xlog resource manager, nor a switch of another one
        assertEquals(OptionalLong.of(new Segment(0).records(300, 5).record(24, 0, 0x10).pos),
                WalSegmentEnd.unfinishedAt(new Segment(0).records(300, 5).record(24, 0, 0x10).bytes()));
        assertEquals(OptionalLong.of(new Segment(0).records(300, 5).record(24, 3, 0x40).pos),
                WalSegmentEnd.unfinishedAt(new Segment(0).records(300, 5).record(24, 3, 0x40).bytes()));
    }

    @Test
    void recordsEndingOnAPageEndAndHeadersSplitByOneAreFollowed() {
        // 40 + 8152 = 8192: a record ending exactly at the first page's end, then one at the next page's start
        Segment exact = new Segment(0).record(8152, 10, 0).fill(300);
        assertEquals(OptionalLong.empty(), WalSegmentEnd.unfinishedAt(exact.bytes()));
        // a record header split by a page end: 8 bytes before it, 16 after the next page's header
        Segment split = new Segment(0).record(8144, 10, 0).fill(1000);
        assertEquals(OptionalLong.empty(), WalSegmentEnd.unfinishedAt(split.bytes()));
        Segment splitThenCut = new Segment(0).record(8144, 10, 0).records(1000, 3);
        assertEquals(OptionalLong.of(splitThenCut.pos), WalSegmentEnd.unfinishedAt(splitThenCut.bytes()));
        // a header-only record ending on a page end
        Segment headerOnly = new Segment(0).record(8128, 10, 0).record(24, 10, 0).fill(500);
        assertEquals(OptionalLong.empty(), WalSegmentEnd.unfinishedAt(headerOnly.bytes()));
    }

    @Test
    void aRecordContinuedFromThePreviousSegmentIsSteppedOver() {
        Segment s = new Segment(20_000).fill(700);
        assertEquals(OptionalLong.empty(), WalSegmentEnd.unfinishedAt(s.bytes()));
        Segment cut = new Segment(20_000).records(700, 10);
        assertEquals(OptionalLong.of(cut.pos), WalSegmentEnd.unfinishedAt(cut.bytes()));
        // one record fills the whole segment
        assertEquals(OptionalLong.empty(), WalSegmentEnd.unfinishedAt(new Segment(BLOCK * PAGES).bytes()));
    }

    /** A switch record's header cut by the previous segment's end: PostgreSQL zeroes the rest of this one. */
    @Test
    void aSwitchRecordGoingOnFromThePreviousSegmentEndsThisOne() {
        for (int tail : new int[] {8, 16}) {
            Segment s = new Segment(tail);
            s.b.put(40 + tail - 8, (byte) 0x40).put(40 + tail - 7, (byte) 0); // xl_info XLOG_SWITCH, xl_rmid 0
            assertEquals(OptionalLong.empty(), WalSegmentEnd.unfinishedAt(s.bytes()), "a switch header's last " + tail + " bytes");
            Segment other = new Segment(tail);
            other.b.put(40 + tail - 8, (byte) 0x10).put(40 + tail - 7, (byte) 0);
            assertEquals(OptionalLong.of(40 + tail), WalSegmentEnd.unfinishedAt(other.bytes()), "another record's " + tail);
        }
        // 1 to 7 bytes going on are never a switch record's (its header is cut at an 8-byte
        // boundary): another record's tail, and zeros after it are a stop
        for (int tail : new int[] {1, 4, 7}) {
            assertEquals(OptionalLong.of(48), WalSegmentEnd.unfinishedAt(new Segment(tail).bytes()), "a tail of " + tail);
        }
        // nor are 12 bytes, whatever the bytes where a switch header's type would be
        Segment twelve = new Segment(12);
        twelve.b.put(40 + 4, (byte) 0x40).put(40 + 5, (byte) 0);
        assertEquals(OptionalLong.of(56), WalSegmentEnd.unfinishedAt(twelve.bytes()));
        // 16 bytes that read as a switch record's type but with WAL after them: another record's tail, walked
        Segment sixteen = new Segment(16).records(300, 3);
        sixteen.b.put(40 + 8, (byte) 0x40).put(40 + 9, (byte) 0);
        assertEquals(OptionalLong.of(sixteen.pos), WalSegmentEnd.unfinishedAt(sixteen.bytes()));
    }

    @Test
    void whatTheWalkCannotFollowIsNotHeldBack() {
        // a page with another address where a record goes on: not the shape of a cut segment
        Segment s = new Segment(0).records(20_000, 3);
        byte[] bytes = s.bytes();
        ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).putLong(BLOCK + 8, 0L);
        assertEquals(OptionalLong.empty(), WalSegmentEnd.unfinishedAt(bytes));
        // garbage after the last record (a recycled file's old bytes): not only zeros
        Segment g = new Segment(0).records(300, 4);
        byte[] garbage = g.bytes();
        garbage[g.pos + 100] = 1;
        assertEquals(OptionalLong.empty(), WalSegmentEnd.unfinishedAt(garbage));
    }

    /**
     * Cut inside its last record on the last page, a segment looks finished to the walk: its
     * zeros are unexplained, and only the bytes it was cut from can tell (see WalArchive).
     */
    @Test
    void zerosAtTheEndThatNoStopNorSwitchExplainsAreToldApart() {
        Segment full = new Segment(0).fill(20_000);
        ByteBuffer cut = ByteBuffer.wrap(full.zeroedFrom(BLOCK * PAGES - 100));
        assertEquals(OptionalLong.empty(), WalSegmentEnd.unfinishedAt(cut), "the walk alone cannot see this cut");
        assertTrue(WalSegmentEnd.endsInZerosUnexplained(cut));
        assertFalse(WalSegmentEnd.endsInZerosUnexplained(ByteBuffer.wrap(full.bytes())), "its last byte is WAL");
        // zeros a switch record explains, or a stop the walk finds, are not unexplained
        assertFalse(WalSegmentEnd.endsInZerosUnexplained(ByteBuffer.wrap(new Segment(0).records(300, 5).record(24, 0, 0x40).bytes())));
        Segment switchGoingOn = new Segment(16);
        switchGoingOn.b.put(40 + 8, (byte) 0x40).put(40 + 9, (byte) 0);
        assertFalse(WalSegmentEnd.endsInZerosUnexplained(ByteBuffer.wrap(switchGoingOn.bytes())));
        assertFalse(WalSegmentEnd.endsInZerosUnexplained(ByteBuffer.wrap(new Segment(0).records(300, 5).bytes())));
    }
}
