package dev.pgvault.archiver.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The last record of a segment that reaches the segment's end, read (across the boundary, when it
 * goes on in the next segment) and checked against its own CRC-32C (XLogRecord.xl_crc: the record's data after its 24-byte header, then the
 * header's first 20 bytes). Where the walk of one segment ({@link WalSegmentEnd}) cannot tell a
 * copy cut inside that record and padded with zeros from a finished segment whose last record
 * happens to end in zeros, the next segment can: the padded copy's record fails its CRC.
 */
public final class SpanningRecord {
    private static final int LONG_HEADER = WalSegmentEnd.LONG_HEADER;
    private static final int SHORT_HEADER = WalSegmentEnd.SHORT_HEADER;
    private static final int RECORD_HEADER = WalSegmentEnd.RECORD_HEADER;
    private static final int XLP_FIRST_IS_CONTRECORD = WalSegmentEnd.XLP_FIRST_IS_CONTRECORD;
    private static final int CRC_OFFSET = 20; // offsetof(XLogRecord, xl_crc)
    /** The next segment begins after a record the server abandoned (a crash mid-record): nothing to check. */
    private static final int XLP_FIRST_IS_OVERWRITE_CONTRECORD = 0x0008;
    /** Records larger than this are not read whole to be checked (PostgreSQL's own limit is 1 GB). */
    private static final long CHECKED_MAX = 64L << 20;

    private SpanningRecord() {}

    /**
     * Whether the record starting at {@code start} in {@code segment} and reaching its end holds
     * its CRC: alone when it ends exactly there, else once completed from {@code next} (null when
     * the next segment is not at hand). Empty when that cannot be told: the record goes on and
     * {@code next} is absent, is not the following segment of the same cluster's WAL (its long
     * header), or has a page the record crosses that does not continue it with exactly the bytes
     * left (or follows a record the server abandoned in a crash); a page of {@code segment} the
     * record crosses does not either; the record goes on beyond {@code next}, or is larger than
     * 64 MiB.
     */
    public static Optional<Boolean> crcMatches(ByteBuffer segment, int start, ByteBuffer next) {
        ByteBuffer seg = segment.duplicate().clear().order(ByteOrder.nativeOrder());
        if (start < 0 || start >= seg.capacity()) {
            return Optional.empty();
        }
        Optional<WalSegmentHeader> first = header(seg);
        if (first.isEmpty()) {
            return Optional.empty();
        }
        WalSegmentHeader h = first.get();
        int blockSize = h.blockSize();
        byte[] header = new byte[RECORD_HEADER];
        Reader in = new Reader(seg, start, blockSize, null);
        if (in.take(header, 0, RECORD_HEADER) != RECORD_HEADER) {
            return Optional.empty(); // a header cut by the segment's end: the next segment holds the rest of it
        }
        long total = Integer.toUnsignedLong(ByteBuffer.wrap(header).order(ByteOrder.nativeOrder()).getInt(0));
        long room = (long) (seg.capacity() - start) + (next == null ? 0 : next.capacity());
        if (total < RECORD_HEADER || total > CHECKED_MAX || total > room) {
            return Optional.empty(); // (no buffer made for a length neither segment could hold)
        }
        if (!ownPagesContinue(seg, start, total, blockSize)) {
            return Optional.empty();
        }
        byte[] record = new byte[(int) total];
        System.arraycopy(header, 0, record, 0, RECORD_HEADER);
        int got = RECORD_HEADER + in.take(record, RECORD_HEADER, record.length - RECORD_HEADER);
        if (got < total) {
            Optional<WalSegmentHeader> n = following(h, next, seg.capacity());
            if (n.isEmpty()) {
                return Optional.empty();
            }
            // In the next segment every page the record crosses must say it continues it, with
            // the bytes left, as PostgreSQL's reader requires; one that does not (a record
            // abandoned in a crash and written over, a page of zeros) tells nothing of this segment.
            Reader rest = new Reader(next.duplicate().clear().order(ByteOrder.nativeOrder()), 0, blockSize, n.get());
            if (rest.take(record, got, (int) (total - got)) != total - got) {
                return Optional.empty();
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(record, RECORD_HEADER, record.length - RECORD_HEADER);
        crc.update(record, 0, CRC_OFFSET);
        int stored = ByteBuffer.wrap(record, CRC_OFFSET, 4).order(ByteOrder.nativeOrder()).getInt();
        return Optional.of((int) crc.getValue() == stored);
    }

    /**
     * Whether every page of {@code seg} the record from {@code start} ({@code total} bytes) goes on
     * to says it continues the record with exactly the bytes left, as PostgreSQL writes them. The
     * CRC covers the record's bytes, not the page headers between them: a copy cut inside a page
     * header's remaining length, zeros after, would hold its CRC over a record whose genuine bytes
     * from there are zeros, and recovery would stop at that page.
     */
    private static boolean ownPagesContinue(ByteBuffer seg, int start, long total, int blockSize) {
        long before = 0; // the record's bytes before the page
        int pos = start;
        for (int page = (start / blockSize + 1) * blockSize; page < seg.capacity(); page += blockSize) {
            if (before + (page - pos) >= total) {
                break; // the record ends before this page, or exactly at it: the page does not continue it
            }
            before += page - pos;
            int info = Short.toUnsignedInt(seg.getShort(page + 2));
            if ((info & XLP_FIRST_IS_CONTRECORD) == 0 || Integer.toUnsignedLong(seg.getInt(page + 16)) != total - before) {
                return false;
            }
            pos = page + SHORT_HEADER;
        }
        return true;
    }

    /** {@code next}'s long header when it is the segment after {@code h}'s in the same cluster's WAL. */
    private static Optional<WalSegmentHeader> following(WalSegmentHeader h, ByteBuffer next, int size) {
        if (next == null || next.capacity() != size) {
            return Optional.empty();
        }
        return header(next).filter(x -> x.magic() == h.magic() && x.systemIdentifier() == h.systemIdentifier()
                && x.segmentSize() == h.segmentSize() && x.blockSize() == h.blockSize()
                && x.pageAddress() == h.pageAddress() + size);
    }

    /** {@code segment}'s long page header when it is a segment to read records in. */
    private static Optional<WalSegmentHeader> header(ByteBuffer segment) {
        try {
            return WalSegmentEnd.walkableHeader(segment);
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // no long page header
        }
    }

    /**
     * Reads record bytes from a position in a segment, stepping over the page headers on the way;
     * with {@code checked} (the segment's header), each page header it steps over must continue
     * the record with exactly the bytes left, else it stops.
     */
    private static final class Reader {
        private final ByteBuffer seg;
        private final int block;
        private final WalSegmentHeader checked;
        private int pos;

        Reader(ByteBuffer seg, int pos, int block, WalSegmentHeader checked) {
            this.seg = seg;
            this.pos = pos;
            this.block = block;
            this.checked = checked;
        }

        /** Reads up to {@code n} bytes into {@code into} at {@code off}; returns how many (fewer where it stops). */
        int take(byte[] into, int off, int n) {
            int got = 0;
            while (got < n && pos < seg.capacity()) {
                if (pos % block == 0) {
                    if (checked != null && !continues(pos, n - got)) {
                        return got;
                    }
                    pos += pos == 0 ? LONG_HEADER : SHORT_HEADER;
                    continue;
                }
                int len = Math.min(n - got, block - pos % block);
                seg.get(pos, into, off + got, len);
                got += len;
                pos += len;
            }
            return got;
        }

        private boolean continues(int page, int left) {
            int info = Short.toUnsignedInt(seg.getShort(page + 2));
            return Short.toUnsignedInt(seg.getShort(page)) == checked.magic()
                    && seg.getLong(page + 8) == checked.pageAddress() + page
                    && (info & XLP_FIRST_IS_CONTRECORD) != 0 && (info & XLP_FIRST_IS_OVERWRITE_CONTRECORD) == 0
                    && Integer.toUnsignedLong(seg.getInt(page + 16)) == left;
        }
    }
}
