package dev.pgvault.archiver.stream;

import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.WalFileName;
import java.nio.ByteBuffer;

/**
 * The segment being streamed: its bytes from the segment's start up to what has been received,
 * and how much of it is durable in the repository.
 */
final class SegmentInProgress {
    private final long segmentSize;
    private final byte[] bytes;
    private int timeline;
    private long number;
    private int received;
    private int durable;

    SegmentInProgress(long segmentSize) {
        this.segmentSize = segmentSize;
        this.bytes = new byte[Math.toIntExact(segmentSize)];
    }

    /**
     * Begins segment {@code number} of {@code timeline} with its first {@code held} bytes already
     * in {@link #bytes()} and durable (read there from the repository's stream: nothing copied).
     */
    void begin(int timeline, long number, int held) {
        this.timeline = timeline;
        this.number = number;
        this.received = held;
        this.durable = held;
    }

    void begin(int timeline, long number) {
        begin(timeline, number, 0);
    }

    WalFileName name() {
        return WalFileName.parse(WalFileName.segmentName(timeline, number, segmentSize));
    }

    int timeline() {
        return timeline;
    }

    Lsn start() {
        return new Lsn(number * segmentSize);
    }

    /** Where received WAL ends: the next byte expected. */
    Lsn receivedEnd() {
        return new Lsn(number * segmentSize + received);
    }

    Lsn durableEnd() {
        return new Lsn(number * segmentSize + durable);
    }

    boolean full() {
        return received == segmentSize;
    }

    boolean hasUndurable() {
        return received > durable;
    }

    int received() {
        return received;
    }

    byte[] bytes() {
        return bytes;
    }

    /** Takes as much of {@code data} as fits in this segment; the rest stays in {@code data}. */
    void append(ByteBuffer data) {
        int n = (int) Math.min(data.remaining(), segmentSize - received);
        data.get(bytes, received, n);
        received += n;
    }

    void markDurable() {
        durable = received;
    }
}
