package dev.pgvault.archiver.backup;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaStore;
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
 * and which of them are pinned, the range of archived WAL segments, and the window a restore can
 * reach.
 */
public record StanzaInfo(String stanza, String repository, ClusterIdentity cluster, List<Manifest> backups,
        Set<String> pinned, WalRange archive) {

    /** The archived WAL segments: the lowest and highest name (null when none) and how many. */
    public record WalRange(String min, String max, long segments) {}

    /**
     * The earliest point a restore can reach (the oldest backup's end: consistency needs its WAL
     * up to there) and the latest (the end of the newest archived segment, if the archive reaches
     * past that backup's end; else null).
     */
    public record Recoverable(String earliestBackup, Instant earliestTime, Lsn earliestLsn, String latestWal,
            Lsn latestLsn) {}

    public StanzaInfo {
        backups = List.copyOf(backups);
        pinned = Set.copyOf(pinned);
    }

    /** Reads the stanza; {@link dev.pgvault.archiver.StanzaNotInitializedException} if it has no cluster.json. */
    public static StanzaInfo read(EncodedStore repo, RepositoryLayout layout) throws IOException {
        ClusterIdentity cluster = new StanzaStore(repo, layout).requireIdentity();
        BackupCatalog catalog = new BackupCatalog(repo, layout);
        List<Manifest> backups = new ArrayList<>();
        Set<String> pinned = new TreeSet<>();
        for (BackupDirectory d : catalog.directories().values()) {
            if (d.complete()) {
                backups.add(catalog.read(d.id()));
                if (d.pinned()) {
                    pinned.add(d.id());
                }
            }
        }
        return new StanzaInfo(layout.stanza(), repo.describe(), cluster, backups, pinned, walRange(repo, layout));
    }

    private static WalRange walRange(EncodedStore repo, RepositoryLayout layout) throws IOException {
        String min = null;
        String max = null;
        long count = 0;
        try (Stream<BlobInfo> blobs = repo.blobs().list(layout.walPrefix())) {
            for (BlobInfo b : (Iterable<BlobInfo>) blobs::iterator) {
                String name = b.key().substring(b.key().lastIndexOf('/') + 1);
                if (!isSegment(name)) {
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

    private static boolean isSegment(String name) {
        try {
            return WalFileName.parse(name).kind() == WalFileKind.SEGMENT;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public Optional<Recoverable> recoverable() {
        if (backups.isEmpty()) {
            return Optional.empty();
        }
        Manifest oldest = backups.get(0);
        String latest = archive.max() != null && archive.max().compareTo(oldest.stopWal()) >= 0 ? archive.max() : null;
        Lsn latestLsn = null;
        if (latest != null) {
            long size = cluster.walSegmentSize();
            latestLsn = new Lsn((WalFileName.parse(latest).segmentNumber(size) + 1) * size);
        }
        return Optional.of(new Recoverable(oldest.id(), oldest.stopTime(), oldest.stopLsn(), latest, latestLsn));
    }
}
