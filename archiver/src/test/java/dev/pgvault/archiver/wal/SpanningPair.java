package dev.pgvault.archiver.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32C;

/**
 * Two consecutive segments laid out as PostgreSQL writes them: in the first, a filler record from
 * its first page, then a record that begins three pages before the segment's end, crosses its
 * last pages and the next segment's first, and ends 1,000 bytes into the next segment's second
 * page; a page header on every page, each continuing page marked so with the bytes left. The
 * record's part in the first segment ends in {@code zeros} zero bytes, as a full-page image of an
 * empty page may: the walk of that segment alone cannot tell it from a copy cut there. The record
 * holds its CRC-32C (that the CRC is PostgreSQL's is shown on real WAL by UnfinishedSegmentIT).
 */
public final class SpanningPair {
    public static final int BLOCK = 8192;

    public final int segmentSize;
    /** The first segment's address (its number times the segment size). */
    public final long base;
    public final long systemIdentifier;
    /** Where the spanning record begins in the first segment. */
    public final int start;
    /** The record's bytes in the first segment, and in the next. */
    public final int inFirst;
    public final int inNext;
    public final byte[] seg;
    public final byte[] next;

    public SpanningPair(int segmentSize, long segmentNumber, long systemIdentifier, int zeros) {
        this.segmentSize = segmentSize;
        this.base = segmentNumber * segmentSize;
        this.systemIdentifier = systemIdentifier;
        int pages = segmentSize / BLOCK;
        this.start = (pages - 3) * BLOCK + 24 + 200; // 200 bytes into its page, after the filler
        this.inFirst = (BLOCK - 24 - 200) + 2 * (BLOCK - 24);
        this.inNext = (BLOCK - 40) + 1000;
        this.seg = new byte[segmentSize];
        this.next = new byte[segmentSize];

        byte[] filler = record(start - 40 - 24 * (pages - 3), 1); // up to the record, less the page headers between
        byte[] record = record(inFirst + inNext, 7);
        Arrays.fill(record, inFirst - zeros, inFirst, (byte) 0);
        withCrc(record);
        header(seg, base, 0);
        header(next, base + segmentSize, inNext);
        lay(seg, base, 40, filler, 0, filler.length, 0);
        lay(seg, base, start, record, 0, inFirst, inNext);
        lay(next, base + segmentSize, 40, record, inFirst, inNext, 0);
    }

    /** A record of {@code total} bytes: its header (heap, xl_info 0x10), random non-zero data. */
    private static byte[] record(int total, long seed) {
        byte[] record = new byte[total];
        ByteBuffer.wrap(record).order(ByteOrder.nativeOrder()).putInt(0, total).putInt(4, 777);
        record[16] = 0x10; // xl_info
        record[17] = 10; // xl_rmid: heap
        Random random = new Random(seed);
        for (int i = 24; i < total; i++) {
            record[i] = (byte) (random.nextInt(255) + 1);
        }
        return withCrc(record);
    }

    /** Sets {@code record}'s xl_crc over its data and then its header's first 20 bytes, as PostgreSQL does. */
    public static byte[] withCrc(byte[] record) {
        CRC32C crc = new CRC32C();
        crc.update(record, 24, record.length - 24);
        crc.update(record, 0, 20);
        ByteBuffer.wrap(record).order(ByteOrder.nativeOrder()).putInt(20, (int) crc.getValue());
        return record;
    }

    /** Writes a segment's long page header at {@code into}'s start, continuing a record with {@code remaining} bytes. */
    public void header(byte[] into, long address, int remaining) {
        byte[] h = new WalSegmentHeader(0xD110, 1, address, systemIdentifier, segmentSize, BLOCK).encode();
        System.arraycopy(h, 0, into, 0, h.length);
        ByteBuffer b = ByteBuffer.wrap(into).order(ByteOrder.nativeOrder());
        b.putShort(2, (short) (0x0002 | (remaining > 0 ? 0x0001 : 0))).putInt(16, remaining);
    }

    /** Writes a short page header at {@code page} of a segment at {@code base}. */
    public static void pageHeader(byte[] into, long base, int page, int info, int remaining) {
        ByteBuffer.wrap(into).order(ByteOrder.nativeOrder()).putShort(page, (short) 0xD110).putShort(page + 2, (short) info)
                .putInt(page + 4, 1).putLong(page + 8, base + page).putInt(page + 16, remaining);
    }

    /**
     * Writes {@code len} bytes of {@code src} from {@code pos}, writing each page header it steps
     * over as continuing them with the bytes left ({@code beyond}: those after this segment).
     */
    public static void lay(byte[] into, long base, int pos, byte[] src, int off, int len, int beyond) {
        while (len > 0) {
            if (pos % BLOCK == 0) {
                if (pos > 0) {
                    pageHeader(into, base, pos, 0x0001, len + beyond);
                }
                pos += pos == 0 ? 40 : 24;
            }
            int n = Math.min(len, BLOCK - pos % BLOCK);
            System.arraycopy(src, off, into, pos, n);
            pos += n;
            off += n;
            len -= n;
        }
    }
}
