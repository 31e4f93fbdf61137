package dev.pgvault.archiver.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.OptionalLong;

/**
 * Where a segment's WAL stops short of the segment's end: the one shape a segment file has when
 * it is not finished, its records followed by zeros to the end with no switch record before them.
 *
 * <p>Why archive-push needs it: with {@code archive_mode = always} a standby archives again every
 * segment it restored, and archive-get gives a standby a segment the repository holds only as a
 * {@code .stream} object padded with zeros. Stored as the complete segment, such a file would stand
 * in the archive for the real one (whose push is then refused as different bytes under the name)
 * and recovery through it would end early, at its zeros. A finished segment never has this shape:
 * its records run to its end (the last one continues in the next segment), or they end with a
 * switch record, after which PostgreSQL zeroes the rest of the segment, page headers included.
 *
 * <p>The walk follows the record lengths (XLogRecord.xl_tot_len) and steps over page headers,
 * whose continuation flags and addresses it checks. It answers only for that shape, positively
 * found; anything else it cannot follow (a page without the continuation a record needs, another
 * page address, an overwritten continuation) is not this shape, and the segment is not held back.
 */
public final class WalSegmentEnd {
    // WAL's layout, shared with SpanningRecord
    static final int LONG_HEADER = 40; // MAXALIGN(sizeof(XLogLongPageHeaderData))
    static final int SHORT_HEADER = 24; // MAXALIGN(sizeof(XLogPageHeaderData))
    static final int RECORD_HEADER = 24; // SizeOfXLogRecord
    static final int XLP_FIRST_IS_CONTRECORD = 0x0001;
    private static final int RM_XLOG_ID = 0;
    private static final int XLOG_SWITCH = 0x40;
    private static final int XLR_INFO_MASK = 0x0F;

    private final ByteBuffer seg;
    private final int size;
    private final int block;
    private final long startAddress;
    private final int magic;
    /** Set by the walk when a switch record (or what may be one, its type cut off) ends the segment. */
    private boolean switched;
    /** Set by the walk to where the last record begins when it goes on in the next segment; else -1. */
    private int spanningStart = -1;

    private WalSegmentEnd(ByteBuffer segment, int block) {
        this.seg = segment.duplicate().clear().order(ByteOrder.nativeOrder());
        this.size = segment.capacity();
        this.block = block;
        this.startAddress = seg.getLong(8);
        this.magic = Short.toUnsignedInt(seg.getShort(0));
    }

    /**
     * The offset in {@code segment} (a whole segment file, its long page header first) where its
     * WAL stops with only zeros after it and no switch record before them; empty when the segment
     * is finished, or is not of that shape.
     */
    public static OptionalLong unfinishedAt(byte[] segment) {
        return unfinishedAt(ByteBuffer.wrap(segment));
    }

    /** As {@link #unfinishedAt(byte[])}, for a segment in a buffer (a mapped file), all its capacity. */
    public static OptionalLong unfinishedAt(ByteBuffer segment) {
        return ending(segment).stop();
    }

    /**
     * How a segment ends, from one walk of its records.
     *
     * @param stop where its WAL stops short, as {@link #unfinishedAt} answers
     * @param zerosUnexplained as {@link #endsInZerosUnexplained} answers
     * @param spanningStart the offset where its last record begins when that record begins in it
     *     and reaches its end (going on in the next segment, or ending exactly there: {@link
     *     SpanningRecord} tells which), else -1
     */
    public record Ending(OptionalLong stop, boolean zerosUnexplained, int spanningStart) {
    }

    /**
     * {@link #unfinishedAt} and {@link #endsInZerosUnexplained} of {@code segment}, and where its
     * last record begins when that reaches its end, walked once.
     */
    public static Ending ending(ByteBuffer segment) {
        java.util.Optional<WalSegmentEnd> walker = walker(segment);
        if (walker.isEmpty()) {
            return new Ending(OptionalLong.empty(), false, -1);
        }
        WalSegmentEnd w = walker.get();
        OptionalLong stop = w.walk();
        boolean lastByteZero = segment.get(segment.capacity() - 1) == 0;
        return new Ending(stop, lastByteZero && stop.isEmpty() && !w.switched, w.spanningStart);
    }

    /**
     * Whether {@code segment} ends in zeros that neither a stop ({@link #unfinishedAt}) nor a switch
     * record explains. A segment cut inside its last record, on the last page, looks finished to
     * the walk: that record's length reaches past the segment's end, and no page header is left
     * to be found zeroed. Only the bytes it was cut from, or that record's CRC completed from the
     * next segment ({@link SpanningRecord}), can tell it from a finished segment whose last record
     * happens to end in zeros (a full-page image of an empty page, say).
     */
    public static boolean endsInZerosUnexplained(ByteBuffer segment) {
        return ending(segment).zerosUnexplained();
    }

    /** A walker over {@code segment}, or empty when its first page header is not one to walk by. */
    private static java.util.Optional<WalSegmentEnd> walker(ByteBuffer segment) {
        return walkableHeader(segment).map(h -> new WalSegmentEnd(segment, h.blockSize()));
    }

    /**
     * {@code segment}'s long page header, when its block size is one to read records by (pages
     * that divide the segment); empty for a buffer too short to hold one. Throws
     * IllegalArgumentException where the segment does not begin with a long header.
     */
    static java.util.Optional<WalSegmentHeader> walkableHeader(ByteBuffer segment) {
        byte[] first = new byte[WalSegmentHeader.LENGTH];
        if (segment.capacity() < first.length) {
            return java.util.Optional.empty();
        }
        segment.get(0, first);
        WalSegmentHeader h = WalSegmentHeader.read(first, first.length);
        if (h.blockSize() <= LONG_HEADER || h.blockSize() % 8 != 0 || segment.capacity() % h.blockSize() != 0) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(h);
    }

    /**
     * Where segment {@code name} ({@code segmentSize} bytes, walked as {@code ending}) stops short as {@link
     * #unfinishedAt} finds it, as an LSN; empty when it is finished, or stops where its timeline
     * ended as one of {@code histories} says. A standby following a new timeline closes its copy of
     * the old timeline's last segment at the switch point and, with {@code archive_mode = always},
     * archives it: that copy is the old timeline's true end. The walk finds such a stop at the
     * next 8-byte boundary after the switch point.
     */
    public static java.util.Optional<Lsn> unfinishedStop(WalFileName name, long segmentSize, Ending ending,
            Iterable<TimelineHistory> histories) {
        OptionalLong at = ending.stop();
        if (at.isEmpty()) {
            return java.util.Optional.empty();
        }
        Lsn stop = new Lsn(name.segmentNumber(segmentSize) * segmentSize + at.getAsLong());
        for (TimelineHistory h : histories) {
            if (h.timeline() != name.timeline() && h.contains(name.timeline())) {
                long after = stop.value() - h.endOf(name.timeline()).value();
                if (after >= 0 && after < 8) {
                    return java.util.Optional.empty();
                }
            }
        }
        return java.util.Optional.of(stop);
    }

    /** Thrown inside the walk when the segment is not of the shape looked for. */
    private static final class NotThatShape extends Exception {
        NotThatShape() {
            super(null, null, false, false);
        }
    }

    /** Thrown inside the walk where the WAL stops: a zeroed page header where WAL goes on. */
    private static final class StopsAt extends Exception {
        final int offset;

        StopsAt(int offset) {
            super(null, null, false, false);
            this.offset = offset;
        }
    }

    private OptionalLong walk() {
        try {
            int pos = LONG_HEADER;
            int info = Short.toUnsignedInt(seg.getShort(2));
            if ((info & XLP_FIRST_IS_CONTRECORD) != 0) {
                long remaining = Integer.toUnsignedLong(seg.getInt(16));
                // A switch record (its 24-byte header alone) whose header the previous segment's
                // end cut: PostgreSQL then zeroes the rest of this segment too. Records start at
                // 8-byte boundaries, as segments end, so such a header goes on here for 8 or 16
                // bytes, holding its type (xl_info, xl_rmid) 8 bytes before its end, and only zeros
                // follow it; any other continuation is another record's, and the walk goes on.
                if ((remaining == 8 || remaining == 16)
                        && isSwitch(seg.get(pos + (int) remaining - 8), seg.get(pos + (int) remaining - 7))
                        && zeroFrom(pos + (int) remaining)) {
                    switched = true;
                    return OptionalLong.empty();
                }
                pos = skip(pos, remaining, false);
                if (pos >= size) {
                    return OptionalLong.empty(); // one record fills the segment
                }
                pos = maxAlign(pos);
            }
            while (pos < size) {
                if (pos % block == 0) {
                    pos = pageData(pos, false);
                }
                int recordStart = pos;
                // xl_tot_len is in this page whole (records start 8-aligned): zero there, the WAL stops here
                if (seg.getInt(pos) == 0) {
                    return zeroFrom(recordStart) ? OptionalLong.of(recordStart) : OptionalLong.empty();
                }
                byte[] header = new byte[RECORD_HEADER];
                int after = read(pos, header);
                ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.nativeOrder());
                long total = Integer.toUnsignedLong(h.getInt(0));
                if (total == 0) {
                    return zeroFrom(recordStart) ? OptionalLong.of(recordStart) : OptionalLong.empty();
                }
                if (total < RECORD_HEADER) {
                    return OptionalLong.empty();
                }
                if (isSwitch(header[16], header[17])) {
                    switched = true;
                    return OptionalLong.empty(); // the segment ends here by design
                }
                pos = skip(after, total - RECORD_HEADER, after % block == 0);
                if (pos >= size) {
                    spanningStart = recordStart;
                    return OptionalLong.empty(); // the last record goes on in the next segment
                }
                pos = maxAlign(pos);
            }
            return OptionalLong.empty();
        } catch (StopsAt s) {
            return zeroFrom(s.offset) ? OptionalLong.of(s.offset) : OptionalLong.empty();
        } catch (NotThatShape e) {
            return OptionalLong.empty();
        }
    }

    /**
     * Steps over the page header at {@code pageStart} and returns where its data begins. {@code
     * continuing}: a record goes on from the previous page, so the page must say so.
     */
    private int pageData(int pageStart, boolean continuing) throws StopsAt, NotThatShape {
        int pageMagic = Short.toUnsignedInt(seg.getShort(pageStart));
        if (pageMagic == 0) {
            throw new StopsAt(pageStart);
        }
        if (pageMagic != magic || seg.getLong(pageStart + 8) != startAddress + pageStart) {
            throw new NotThatShape();
        }
        boolean flagged = (Short.toUnsignedInt(seg.getShort(pageStart + 2)) & XLP_FIRST_IS_CONTRECORD) != 0;
        if (flagged != continuing) {
            throw new NotThatShape(); // an overwritten continuation, or a page we misread
        }
        return pageStart + SHORT_HEADER;
    }

    /**
     * Steps over {@code n} bytes of record data from {@code pos}, and over the page headers in
     * between; returns the offset after them ({@code size} or more when they go on past the
     * segment). {@code atPageStart}: {@code pos} is the start of a page whose header is not
     * stepped over yet, in the middle of a record.
     */
    private int skip(int pos, long n, boolean atPageStart) throws StopsAt, NotThatShape {
        long left = n;
        if (atPageStart && left > 0 && pos < size) {
            pos = pageData(pos, true);
        }
        while (left > 0) {
            int room = block - pos % block;
            if (left <= room) {
                return (int) (pos + left);
            }
            left -= room;
            pos += room;
            if (pos >= size) {
                return size;
            }
            pos = pageData(pos, true);
        }
        return pos;
    }

    /** Reads {@code into.length} bytes of a record from {@code pos}, across a page header; returns the offset after them. */
    private int read(int pos, byte[] into) throws StopsAt, NotThatShape {
        int got = 0;
        while (got < into.length) {
            if (pos >= size) {
                throw new NotThatShape(); // a record header cut by the segment's end is the next segment's to finish
            }
            if (pos % block == 0 && got > 0) {
                pos = pageData(pos, true);
            }
            int take = Math.min(into.length - got, block - pos % block);
            seg.get(pos, into, got, take);
            got += take;
            pos += take;
        }
        return pos;
    }

    /** Whether a record's xl_info and xl_rmid make it a switch record. */
    private static boolean isSwitch(byte info, byte rmid) {
        return Byte.toUnsignedInt(rmid) == RM_XLOG_ID && (Byte.toUnsignedInt(info) & ~XLR_INFO_MASK) == XLOG_SWITCH;
    }

    private boolean zeroFrom(int offset) {
        for (int i = offset; i < size; i++) {
            if (seg.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static int maxAlign(int pos) {
        return (pos + 7) & ~7;
    }
}
