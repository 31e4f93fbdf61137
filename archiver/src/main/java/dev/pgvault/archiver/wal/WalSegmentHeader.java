package dev.pgvault.archiver.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The long page header that starts every WAL segment (XLogLongPageHeaderData in PostgreSQL's
 * xlog_internal.h): enough to tell which cluster wrote a segment, with which segment size, and
 * where in the WAL it belongs.
 */
public record WalSegmentHeader(int magic, int timeline, long pageAddress, long systemIdentifier, int segmentSize,
        int blockSize) {

    /** Bytes needed to read the header. */
    public static final int LENGTH = 40;

    private static final int XLP_LONG_HEADER = 0x0002;

    /**
     * Reads the header from a segment's first bytes, in the machine's byte order (PostgreSQL
     * writes WAL in native order). Throws IllegalArgumentException if it is not a long header.
     */
    public static WalSegmentHeader read(byte[] first, int length) {
        if (length < LENGTH) {
            throw new IllegalArgumentException("too short for a WAL segment header (" + length + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(first, 0, LENGTH).order(ByteOrder.nativeOrder());
        int magic = Short.toUnsignedInt(b.getShort(0));
        int info = Short.toUnsignedInt(b.getShort(2));
        if ((info & XLP_LONG_HEADER) == 0) {
            throw new IllegalArgumentException("no long page header at the start (xlp_info " + Integer.toHexString(info) + ")");
        }
        return new WalSegmentHeader(magic, b.getInt(4), b.getLong(8), b.getLong(24), b.getInt(32), b.getInt(36));
    }

    /**
     * The header's {@link #LENGTH} bytes as PostgreSQL lays them out, in the machine's byte order,
     * with no continuation record (xlp_rem_len 0): what {@link #read} reads back. For tests and
     * tools that need a segment of their own.
     */
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(LENGTH).order(ByteOrder.nativeOrder());
        b.putShort(0, (short) magic).putShort(2, (short) XLP_LONG_HEADER).putInt(4, timeline).putLong(8, pageAddress)
                .putLong(24, systemIdentifier).putInt(32, segmentSize).putInt(36, blockSize);
        return b.array();
    }
}
