package dev.pgvault.archiver.backup;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.WalArchive;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.WalFileKind;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.storage.BlobInfo;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What a stanza holds, for {@code pgvault info}: its cluster, its complete backups (oldest first)
 * and which of them are pinned, the range of archived WAL segments, what {@code wal-receive}
 * streamed beyond them, and the window a restore can reach.
 *
 * @param streamTip the segment in progress that wal-receive stored beyond the newest complete
 *     segment, or null when there is none
 */
public record StanzaInfo(String stanza, String repository, ClusterIdentity cluster, List<BackupHeader> backups,
        Set<String> pinned, WalRange archive, StreamTip streamTip) {

    /** The archived WAL segments: the lowest and highest name (null when none) and how many. */
    public record WalRange(String min, String max, long segments) {}

    /** A segment's streamed beginning: {@code bytes} of segment {@code segment} are in the repository. */
    public record StreamTip(String segment, long bytes) {}

    /**
     * The earliest point a restore can reach (the oldest backup's end: consistency needs its WAL
     * up to there) and the latest (the end of the newest archived segment, or of what was streamed
     * of the segment after it, if the archive reaches past that backup's end; else null).
     *
     * @param latestStreamed whether the latest point is in a segment only streamed so far
     */
    public record Recoverable(String earliestBackup, Instant earliestTime, Lsn earliestLsn, String latestWal,
            Lsn latestLsn, boolean latestStreamed) {}

    /** @param backups complete backups' headers, oldest first, each with its {@link BackupHeader#totals} */
    public StanzaInfo {
        backups.forEach(b -> java.util.Objects.requireNonNull(b.totals(), () -> "backup " + b.id() + " without its totals"));
        backups = List.copyOf(backups);
        pinned = Set.copyOf(pinned);
    }

    /** Reads the stanza; {@link dev.pgvault.archiver.StanzaNotInitializedException} if it has no cluster.json. */
    public static StanzaInfo read(EncodedStore repo, RepositoryLayout layout) throws IOException {
        ClusterIdentity cluster = new StanzaStore(repo, layout).requireIdentity();
        BackupCatalog catalog = new BackupCatalog(repo, layout);
        List<String> complete = new ArrayList<>();
        Set<String> pinned = new TreeSet<>();
        for (BackupDirectory d : catalog.directories().values()) {
            if (d.complete()) {
                complete.add(d.id());
                if (d.pinned()) {
                    pinned.add(d.id());
                }
            }
        }
        List<BackupHeader> backups = catalog.headersWithTotals(complete);
        Set<String> streams = new TreeSet<>();
        WalRange archive = walRange(repo, layout, streams);
        StreamTip tip = null;
        String next = streams.stream().filter(n -> continues(archive.max(), n, cluster.walSegmentSize()))
                .reduce((a, b) -> b).orElse(null); // the newest timeline's, if several
        if (next != null) {
            // Read, not guessed from object sizes: they are compressed and perhaps encrypted.
            long bytes = new WalArchive(repo, layout, cluster).streamedLength(WalFileName.parse(next));
            tip = bytes > 0 ? new StreamTip(next, bytes) : null;
        }
        return new StanzaInfo(layout.stanza(), repo.describe(), cluster, backups, pinned, archive, tip);
    }

    /** The complete segments' range; {@code streams} gets the segments that have a stream. */
    private static WalRange walRange(EncodedStore repo, RepositoryLayout layout, Set<String> streams) throws IOException {
        String min = null;
        String max = null;
        long count = 0;
        try (Stream<BlobInfo> blobs = repo.blobs().list(layout.walPrefix())) {
            for (BlobInfo b : (Iterable<BlobInfo>) blobs::iterator) {
                String name = b.key().substring(b.key().lastIndexOf('/') + 1);
                WalFileKind kind = kind(name);
                if (kind == WalFileKind.STREAM || kind == WalFileKind.STREAM_PART) {
                    streams.add(name.substring(0, 24));
                }
                if (kind != WalFileKind.SEGMENT) {
                    continue;
                }
                count++;
                // Segment names sort by timeline, then position.
                if (min == null || name.compareTo(min) < 0) {
                    min = name;
                }
                if (max == null || name.compareTo(max) > 0) {
                    max = name;
                }
            }
        }
        return new WalRange(min, max, count);
    }

    /**
     * Whether segment {@code next} follows {@code max} (the newest complete segment) without a
     * hole: the next segment number, on its timeline or a newer one (a promotion continues in the
     * segment after the old timeline's last complete one). A stream past a hole (a receiver that
     * skipped WAL the server had recycled) is not reachable by a restore.
     */
    private static boolean continues(String max, String next, long segmentSize) {
        if (max == null) {
            return false;
        }
        WalFileName m = WalFileName.parse(max);
        WalFileName n = WalFileName.parse(next);
        return n.timeline() >= m.timeline() && n.segmentNumber(segmentSize) == m.segmentNumber(segmentSize) + 1;
    }

    /** The kind of WAL file {@code name} is, or null for a name that is none. */
    private static WalFileKind kind(String name) {
        try {
            return WalFileName.parse(name).kind();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    public Optional<Recoverable> recoverable() {
        if (backups.isEmpty()) {
            return Optional.empty();
        }
        BackupHeader oldest = backups.get(0);
        long size = cluster.walSegmentSize();
        String latest = null;
        Lsn latestLsn = null;
        boolean streamed = false;
        if (streamTip != null && streamTip.segment().compareTo(oldest.stopWal()) >= 0) {
            latest = streamTip.segment();
            latestLsn = new Lsn(WalFileName.parse(latest).segmentNumber(size) * size + streamTip.bytes());
            streamed = true;
        } else if (archive.max() != null && archive.max().compareTo(oldest.stopWal()) >= 0) {
            latest = archive.max();
            latestLsn = new Lsn((WalFileName.parse(latest).segmentNumber(size) + 1) * size);
        }
        return Optional.of(new Recoverable(oldest.id(), oldest.stopTime(), oldest.stopLsn(), latest, latestLsn, streamed));
    }
}
