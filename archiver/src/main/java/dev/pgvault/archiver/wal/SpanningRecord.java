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
     * holds its CRC once completed from {@code next}, the following segment of the same timeline.
     * Empty when that cannot be told: {@code next} does not continue a record there (its first page
     * not marked so, or marked as following an abandoned one, or the remaining length other than
     * this record's), or the record goes on beyond {@code next} or is larger than 64 MiB.
     */
    public static Optional<Boolean> crcMatches(ByteBuffer segment, int start, ByteBuffer next) {
        ByteBuffer seg = segment.duplicate().clear().order(ByteOrder.nativeOrder());
        ByteBuffer nxt = next.duplicate().clear().order(ByteOrder.nativeOrder());
        if (seg.capacity() != nxt.capacity() || start < 0 || start >= seg.capacity() || nxt.capacity() < LONG_HEADER) {
            return Optional.empty();
        }
        byte[] first = new byte[WalSegmentHeader.LENGTH];
        seg.get(0, first);
        int blockSize;
        try {
            blockSize = WalSegmentHeader.read(first, first.length).blockSize();
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // no long page header: not a segment to read records in
        }
        if (blockSize <= LONG_HEADER || blockSize % 8 != 0 || seg.capacity() % blockSize != 0) {
            return Optional.empty();
        }
        int info = Short.toUnsignedInt(nxt.getShort(2));
        if ((info & XLP_FIRST_IS_CONTRECORD) == 0 || (info & XLP_FIRST_IS_OVERWRITE_CONTRECORD) != 0) {
            return Optional.empty();
        }
        byte[] header = new byte[RECORD_HEADER];
        Reader in = new Reader(seg, start, blockSize);
        if (!in.read(header, 0, RECORD_HEADER)) {
            return Optional.empty(); // a header cut by the segment's end: the next segment holds the rest of it
        }
        long total = Integer.toUnsignedLong(ByteBuffer.wrap(header).order(ByteOrder.nativeOrder()).getInt(0));
        if (total < RECORD_HEADER || total > CHECKED_MAX) {
            return Optional.empty();
        }
        byte[] record = new byte[(int) total];
        System.arraycopy(header, 0, record, 0, RECORD_HEADER);
        int got = RECORD_HEADER + in.readToEnd(record, RECORD_HEADER);
        if (got == total) {
            return Optional.empty(); // it ends in this segment: the walk's to judge
        }
        long remaining = Integer.toUnsignedLong(nxt.getInt(16));
        if (remaining != total - got) {
            return Optional.empty();
        }
        Reader rest = new Reader(nxt, LONG_HEADER, blockSize);
        if (!rest.read(record, got, (int) (total - got))) {
            return Optional.empty(); // it goes on past the next segment too
        }
        CRC32C crc = new CRC32C();
        crc.update(record, RECORD_HEADER, record.length - RECORD_HEADER);
        crc.update(record, 0, CRC_OFFSET);
        int stored = ByteBuffer.wrap(record, CRC_OFFSET, 4).order(ByteOrder.nativeOrder()).getInt();
        return Optional.of((int) crc.getValue() == stored);
    }

    /** Reads record bytes from a position in a segment, stepping over the page headers on the way. */
    private static final class Reader {
        private final ByteBuffer seg;
        private final int block;
        private int pos;

        Reader(ByteBuffer seg, int pos, int block) {
            this.seg = seg;
            this.pos = pos;
            this.block = block;
        }

        /** Reads {@code n} bytes into {@code into} at {@code off}; false when the segment ends first. */
        boolean read(byte[] into, int off, int n) {
            return take(into, off, n) == n;
        }

        /** Reads up to the segment's end, at most what {@code into} has room for; returns how many bytes. */
        int readToEnd(byte[] into, int off) {
            return take(into, off, into.length - off);
        }

        private int take(byte[] into, int off, int n) {
            int got = 0;
            while (got < n && pos < seg.capacity()) {
                if (pos % block == 0) {
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
    }
}
