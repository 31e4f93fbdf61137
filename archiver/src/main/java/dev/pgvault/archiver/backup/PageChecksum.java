package dev.pgvault.archiver.backup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;

/**
 * PostgreSQL's data page checksum (pg_checksum_page in storage/checksum_impl.h): FNV-1a with an
 * extra shift, computed over the page as 32 parallel columns of 32-bit words, with the stored
 * checksum field taken as zero and the block number mixed in, folded to 16 bits and offset by one
 * so that a valid checksum is never zero. The 32 lanes and their seeds are part of the format.
 *
 * <p>Not thread-safe: each instance keeps its scratch arrays so that checking a page allocates
 * nothing. One instance per worker thread.
 */
public final class PageChecksum {
    /** PostgreSQL's default (and, for pgvault, only supported) block size. */
    public static final int PAGE_SIZE = 8192;

    private static final int LANES = 32;
    private static final int ROWS = PAGE_SIZE / (Integer.BYTES * LANES);
    private static final int FNV_PRIME = 16777619;
    /** Offset of pd_checksum (a uint16) in the page header, after the 8-byte pd_lsn. */
    private static final int CHECKSUM_OFFSET = 8;
    /** Offset of pd_upper: zero only in a page that was never initialized (PageIsNew). */
    private static final int UPPER_OFFSET = 14;

    private static final int[] SEEDS = {
        0x5B1F36E9, 0xB8525960, 0x02AB50AA, 0x1DE66D2A,
        0x79FF467A, 0x9BB9F8A3, 0x217E7CD2, 0x83E13D2C,
        0xF8D4474F, 0xE39EB970, 0x42C6AE16, 0x993216FA,
        0x7B093B5D, 0x98DAFF3C, 0xF718902A, 0x0B1C9CDB,
        0xE58F764B, 0x187636BC, 0x5D7B3BB1, 0xE73DE7DE,
        0x92BEC979, 0xCCA6C0B2, 0x304A0979, 0x85AA43D4,
        0x783125BB, 0x6CA8EAA2, 0xE407EAC6, 0x4B5CFC3E,
        0x9FBF8C76, 0x15CA20BE, 0xF2CA9FD3, 0x959BD756
    };

    private final int[] words = new int[PAGE_SIZE / Integer.BYTES];
    private final int[] sums = new int[LANES];

    /** The checksum PostgreSQL would store in the page at {@code offset} of {@code buf} as block {@code blockNumber}. */
    public int compute(byte[] buf, int offset, long blockNumber) {
        // PostgreSQL reads the page as native-order words; pages are written in the server's order.
        IntBuffer in = ByteBuffer.wrap(buf, offset, PAGE_SIZE).slice().order(ByteOrder.nativeOrder()).asIntBuffer();
        in.get(words);
        int[] w = words;
        // pd_checksum is the low or high half of word 2, depending on byte order; it counts as zero.
        w[CHECKSUM_OFFSET / Integer.BYTES] &= ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 0xFFFF0000 : 0x0000FFFF;
        int[] s = sums;
        System.arraycopy(SEEDS, 0, s, 0, LANES);
        for (int row = 0; row < ROWS; row++) {
            int base = row * LANES;
            for (int j = 0; j < LANES; j++) {
                int tmp = s[j] ^ w[base + j];
                s[j] = tmp * FNV_PRIME ^ (tmp >>> 17);
            }
        }
        // Two rounds of zeroes for more mixing, then fold the lanes.
        int result = 0;
        for (int j = 0; j < LANES; j++) {
            int v = s[j];
            v = v * FNV_PRIME ^ (v >>> 17);
            v = v * FNV_PRIME ^ (v >>> 17);
            result ^= v;
        }
        result ^= (int) blockNumber;
        return Integer.remainderUnsigned(result, 65535) + 1;
    }

    /** The checksum stored in the page header (pd_checksum). */
    public static int stored(byte[] buf, int offset) {
        return uint16(buf, offset + CHECKSUM_OFFSET);
    }

    /** The page's LSN (pd_lsn: two native-order 32-bit halves, high first). */
    public static long lsn(byte[] buf, int offset) {
        long hi = Integer.toUnsignedLong((int) NATIVE_INT.get(buf, offset));
        long lo = Integer.toUnsignedLong((int) NATIVE_INT.get(buf, offset + 4));
        return hi << 32 | lo;
    }

    /** The native-order uint16 at {@code offset}: page header fields are in the server's byte order. */
    static int uint16(byte[] buf, int offset) {
        return Short.toUnsignedInt((short) NATIVE_SHORT.get(buf, offset));
    }

    // Read per page, twice or more, on every page of an incremental backup: no buffer wrapped each time.
    private static final java.lang.invoke.VarHandle NATIVE_INT =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.nativeOrder());
    private static final java.lang.invoke.VarHandle NATIVE_SHORT =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.nativeOrder());

    /** A page never initialized: pd_upper is zero (PostgreSQL's PageIsNew). */
    public static boolean isNew(byte[] buf, int offset) {
        return buf[offset + UPPER_OFFSET] == 0 && buf[offset + UPPER_OFFSET + 1] == 0;
    }

    /** Every byte of the page is zero: a page of a relation extended but not yet written. */
    public static boolean isAllZero(byte[] buf, int offset) {
        for (int i = offset, end = offset + PAGE_SIZE; i < end; i++) {
            if (buf[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether the page at {@code offset} holds a valid checksum for block {@code blockNumber}. */
    public boolean verify(byte[] buf, int offset, long blockNumber) {
        return compute(buf, offset, blockNumber) == stored(buf, offset);
    }
}
