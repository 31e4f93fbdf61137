package dev.pgvault.archiver;

import dev.pgvault.archiver.wal.WalFileKind;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.storage.BlobInfo;
import dev.pgvault.storage.BlobNotFoundException;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * What {@code wal-receive} stored of one segment, read in order: its {@code .stream} object, then
 * the parts stored after it, each from where the bytes before it end, up to the first hole. The
 * bytes go to a {@link Sink} a chunk at a time, so a reader that only compares or counts them
 * never holds the segment, whatever its size (PostgreSQL allows 1 GiB).
 */
final class StreamedWal {
    /** Bytes read at a time: 1 MiB, or a sixteenth of a smaller segment (so tests with small segments cross chunks). */
    static int chunkSize(long segmentSize) {
        return (int) Math.max(8192, Math.min(1 << 20, segmentSize / 16));
    }

    /** Receives the streamed bytes in order, each byte once. */
    interface Sink {
        /** {@code length} bytes of {@code buf} from {@code from}, which begin at {@code offset} in the segment. */
        void accept(long offset, byte[] buf, int from, int length) throws IOException;
    }

    private final EncodedStore repo;
    private final RepositoryLayout layout;
    private final long segmentSize;

    StreamedWal(EncodedStore repo, RepositoryLayout layout, long segmentSize) {
        this.repo = repo;
        this.layout = layout;
        this.segmentSize = segmentSize;
    }

    /** What one read gave: the sink it filled and where the streamed bytes end (0 when nothing was streamed). */
    record Read<S extends Sink>(S sink, long end) {}

    /**
     * Reads {@code segment}'s stream into a sink from {@code fresh}. A part removed between the
     * listing and its read (a newer {@code .stream} object holds it) means reading again, into a
     * new sink.
     */
    <S extends Sink> Read<S> read(WalFileName segment, Supplier<S> fresh) throws IOException {
        for (int attempt = 1; ; attempt++) {
            S sink = fresh.get();
            try {
                return new Read<>(sink, once(segment, sink));
            } catch (BlobNotFoundException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    /** Keys of {@code segment}'s stream parts, in no particular order. */
    List<String> partKeys(WalFileName segment) throws IOException {
        String prefix = layout.walKey(segment.as(WalFileKind.STREAM)) + ".";
        try (Stream<BlobInfo> s = repo.blobs().list(prefix)) {
            return s.map(BlobInfo::key).filter(StreamedWal::isPart).toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private long once(WalFileName segment, Sink sink) throws IOException {
        // The parts listed first, the object read second: a fold in between (object written, then
        // parts removed) leaves a newer object that holds every part listed, never a hole.
        List<WalFileName> parts = new ArrayList<>();
        for (String key : partKeys(segment)) {
            parts.add(WalFileName.parse(key.substring(key.lastIndexOf('/') + 1)));
        }
        parts.sort(Comparator.comparingLong(WalFileName::streamPartOffset));
        byte[] chunk = new byte[chunkSize(segmentSize)];
        long end = 0;
        try (InputStream in = repo.get(layout.walKey(segment.as(WalFileKind.STREAM)))) {
            end = feed(in, 0, 0, chunk, sink);
        } catch (BlobNotFoundException e) {
            // parts only, or nothing
        }
        for (WalFileName part : parts) {
            long offset = part.streamPartOffset();
            if (offset > end) {
                break; // a hole: what follows it is not part of the stream yet
            }
            try (InputStream in = repo.get(layout.walKey(part))) {
                end = Math.max(end, feed(in, offset, end, chunk, sink));
            }
        }
        return end;
    }

    /**
     * Passes the bytes of {@code in}, which begin at {@code offset} in the segment, to {@code sink}
     * from {@code known} on (those before it came from an earlier object), up to the segment's
     * end. Returns where they end.
     */
    private long feed(InputStream in, long offset, long known, byte[] chunk, Sink sink) throws IOException {
        long at = offset;
        while (at < segmentSize) {
            int n = in.readNBytes(chunk, 0, (int) Math.min(chunk.length, segmentSize - at));
            if (n == 0) {
                break;
            }
            long skip = Math.max(0, known - at);
            if (skip < n) {
                sink.accept(at + skip, chunk, (int) skip, n - (int) skip);
            }
            at += n;
        }
        return at;
    }

    /** Whether {@code key} names a stream part. */
    static boolean isPart(String key) {
        try {
            return WalFileName.parse(key.substring(key.lastIndexOf('/') + 1)).kind() == WalFileKind.STREAM_PART;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
