package dev.pgvault.archiver.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The last record of a segment that goes on in the next one, read across the boundary and checked
 * against its own CRC-32C (XLogRecord.xl_crc: the record's data after its 24-byte header, then the
 * header's first 20 bytes). Where the walk of one segment ({@link WalSegmentEnd}) cannot tell a
 * copy cut inside that record and padded with zeros from a finished segment whose last record
 * happens to end in zeros, the next segment can: the padded copy's record fails its CRC.
 */
public final class SpanningRecord {
    private static final int LONG_HEADER = 40;
    private static final int SHORT_HEADER = 24;
    private static final int RECORD_HEADER = 24;
    private static final int CRC_OFFSET = 20;
    private static final int XLP_FIRST_IS_CONTRECORD = 0x0001;
    /** The next segment begins after a record the server abandoned (a crash mid-record): nothing to check. */
    private static final int XLP_FIRST_IS_OVERWRITE_CONTRECORD = 0x0008;
    /** Records larger than this are not read whole to be checked (PostgreSQL's own limit is 1 GB). */
    private static final long CHECKED_MAX = 64L << 20;

    private SpanningRecord() {}

    /**
     * Whether the record starting at {@code start} in {@code segment} (and running past its end)
     * holds its CRC once completed from {@code next}. Empty when that cannot be told: {@code next}
     * is not the following segment of the same cluster's WAL (its long header), a page of it that
     * the record crosses does not continue the record with exactly the bytes left (or follows a
     * record the server abandoned in a crash), the record ends in {@code segment} or goes on
     * beyond {@code next}, or it is larger than 64 MiB.
     */
    public static Optional<Boolean> crcMatches(ByteBuffer segment, int start, ByteBuffer next) {
        ByteBuffer seg = segment.duplicate().clear().order(ByteOrder.nativeOrder());
        ByteBuffer nxt = next.duplicate().clear().order(ByteOrder.nativeOrder());
        if (seg.capacity() != nxt.capacity() || start < 0 || start >= seg.capacity() || nxt.capacity() < LONG_HEADER) {
            return Optional.empty();
        }
        WalSegmentHeader h;
        WalSegmentHeader n;
        try {
            h = WalSegmentHeader.read(bytes(seg, WalSegmentHeader.LENGTH), WalSegmentHeader.LENGTH);
            n = WalSegmentHeader.read(bytes(nxt, WalSegmentHeader.LENGTH), WalSegmentHeader.LENGTH);
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // no long page header: not a segment to read records in
        }
        int blockSize = h.blockSize();
        if (blockSize <= LONG_HEADER || blockSize % 8 != 0 || seg.capacity() % blockSize != 0) {
            return Optional.empty();
        }
        // the segment that follows this one in the same cluster's WAL, or nothing to read it by
        if (n.magic() != h.magic() || n.systemIdentifier() != h.systemIdentifier() || n.segmentSize() != h.segmentSize()
                || n.blockSize() != blockSize || n.pageAddress() != h.pageAddress() + seg.capacity()) {
            return Optional.empty();
        }
        byte[] header = new byte[RECORD_HEADER];
        Reader in = new Reader(seg, start, blockSize, null);
        if (in.take(header, 0, RECORD_HEADER) != RECORD_HEADER) {
            return Optional.empty(); // a header cut by the segment's end: the next segment holds the rest of it
        }
        long total = Integer.toUnsignedLong(ByteBuffer.wrap(header).order(ByteOrder.nativeOrder()).getInt(0));
        if (total < RECORD_HEADER || total > CHECKED_MAX) {
            return Optional.empty();
        }
        byte[] record = new byte[(int) total];
        System.arraycopy(header, 0, record, 0, RECORD_HEADER);
        int got = RECORD_HEADER + in.take(record, RECORD_HEADER, record.length - RECORD_HEADER);
        if (got == total) {
            return Optional.empty(); // it ends in this segment: the walk's to judge
        }
        // In the next segment every page the record crosses must say it continues it, with the
        // bytes left, as PostgreSQL's reader requires; one that does not (a record abandoned in
        // a crash and written over, a page of zeros) tells nothing of this segment.
        Reader rest = new Reader(nxt, 0, blockSize, n);
        if (rest.take(record, got, (int) (total - got)) != total - got) {
            return Optional.empty();
        }
        CRC32C crc = new CRC32C();
        crc.update(record, RECORD_HEADER, record.length - RECORD_HEADER);
        crc.update(record, 0, CRC_OFFSET);
        int stored = ByteBuffer.wrap(record, CRC_OFFSET, 4).order(ByteOrder.nativeOrder()).getInt();
        return Optional.of((int) crc.getValue() == stored);
    }

    private static byte[] bytes(ByteBuffer b, int n) {
        byte[] out = new byte[n];
        b.get(0, out);
        return out;
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
