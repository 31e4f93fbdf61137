package dev.pgvault.archiver.backup;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.storage.BlobStore;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Waits until the WAL segments a backup needs to become consistent (from its start segment to
 * its stop segment) are in the repository. PostgreSQL archives them through archive_command;
 * pg_backup_stop has waited for that, but only the repository can tell that the pushes landed.
 */
final class WalArrival {
    /**
     * Asked often at first: the stop segment usually lands within an archive-push's start-up (a
     * JVM, ~0.2 s), and every poll interval waited past that is added to the backup's time. Then
     * less often, for a slow archiver or an object store that bills its requests.
     */
    private static final long FIRST_POLL_MILLIS = 20;
    private static final long POLL_MILLIS = 100;
    private static final long FIRST_POLLS_FOR_NANOS = 2_000_000_000L;

    private WalArrival() {}

    /** The segment names from {@code first} to {@code last} on one timeline, in order. */
    static List<String> segments(String first, String last, long segmentSize) {
        WalFileName a = WalFileName.parse(first);
        WalFileName b = WalFileName.parse(last);
        if (a.timeline() != b.timeline()) {
            // A promotion during the backup: only the stop segment's timeline is certain.
            return List.of(last);
        }
        List<String> names = new ArrayList<>();
        for (long n = a.segmentNumber(segmentSize); n <= b.segmentNumber(segmentSize); n++) {
            names.add(WalFileName.segmentName(a.timeline(), n, segmentSize));
        }
        return names;
    }

    /**
     * Returns once every segment is stored; throws {@link WalNotArchivedException} naming the
     * first missing one when {@code timeout} passes first. The last segment is awaited first:
     * PostgreSQL archives in order, so once it is there the others usually are too.
     */
    static void await(BlobStore blobs, RepositoryLayout layout, List<String> segments, Duration timeout, String hint)
            throws IOException, InterruptedException {
        long began = System.nanoTime();
        long deadline = began + timeout.toNanos();
        List<String> order = new ArrayList<>(segments.size());
        order.add(segments.get(segments.size() - 1));
        order.addAll(segments.subList(0, segments.size() - 1));
        for (String segment : order) {
            String key = layout.walKey(WalFileName.parse(segment));
            while (blobs.stat(key).isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new WalNotArchivedException("WAL segment " + segment + ", which the backup needs, did not reach "
                            + blobs.describe() + " within " + timeout.toSeconds() + " s" + hint);
                }
                Thread.sleep(System.nanoTime() - began < FIRST_POLLS_FOR_NANOS ? FIRST_POLL_MILLIS : POLL_MILLIS);
            }
        }
    }
}
