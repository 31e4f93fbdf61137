package dev.pgvault.archiver.metrics;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.backup.BackupCatalog;
import dev.pgvault.archiver.backup.BackupHeader;
import dev.pgvault.archiver.backup.BackupStop;
import dev.pgvault.archiver.backup.BackupType;
import dev.pgvault.archiver.stream.ReceiverStatus;
import dev.pgvault.archiver.wal.WalFileKind;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.storage.BlobInfo;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What the repository says of one stanza, for its metrics: the complete backups (oldest first),
 * the archived WAL segments (how many, the lowest and highest name and when each was stored),
 * and the bytes every object of the stanza takes. One listing of the stanza's objects and one
 * read per manifest, parsed to its header (its sizes are there; only a manifest written before
 * they were is parsed whole, the newest of each type): a scrape's cost grows with the backups kept
 * by their headers only.
 *
 * @param backups every complete backup's header, by stop (oldest first)
 * @param newestOfType the newest complete backup of each type there is, with its {@link BackupHeader#totals}
 *
 * @param oldestWal the lowest segment name, null when none is archived
 * @param oldestWalStored when it was stored (the object's modification time)
 * @param newestWal the highest segment name (timelines sort first, then positions)
 * @param newestWalStored when it was stored
 * @param receivers what each wal-receive of the stanza last said of itself
 */
public record RepositoryFigures(List<BackupHeader> backups, Map<BackupType, BackupHeader> newestOfType, long walSegments, String oldestWal, Instant oldestWalStored,
        String newestWal, Instant newestWalStored, long storedBytes, List<ReceiverStatus> receivers) {

    public RepositoryFigures {
        backups = List.copyOf(backups);
        newestOfType.values().forEach(b -> java.util.Objects.requireNonNull(b.totals(), () -> "backup " + b.id() + " without its totals"));
        newestOfType = Map.copyOf(newestOfType);
        receivers = List.copyOf(receivers);
    }

    /**
     * Reads the stanza; {@link dev.pgvault.archiver.StanzaNotInitializedException} when it has no
     * cluster.json, so that a repository moved away or a wrong path never reads as an empty one.
     */
    public static RepositoryFigures read(EncodedStore repo, RepositoryLayout layout) throws IOException {
        new StanzaStore(repo, layout).requireIdentity();
        BackupCatalog catalog = new BackupCatalog(repo, layout);
        List<BackupHeader> backups = new ArrayList<>(catalog.headers());
        backups.sort(BackupStop.BY_STOP);
        Map<BackupType, BackupHeader> newestOfType = new EnumMap<>(BackupType.class);
        backups.forEach(h -> newestOfType.put(h.type(), h)); // oldest first: the last of each type stays
        for (Map.Entry<BackupType, BackupHeader> e : newestOfType.entrySet()) {
            if (e.getValue().totals() == null) {
                e.setValue(catalog.read(e.getValue().id()).header()); // written before the header had them
            }
        }
        long segments = 0;
        long bytes = 0;
        BlobInfo oldest = null;
        BlobInfo newest = null;
        String walPrefix = layout.walPrefix();
        try (Stream<BlobInfo> blobs = repo.blobs().list(layout.stanza() + "/")) {
            for (BlobInfo b : (Iterable<BlobInfo>) blobs::iterator) {
                bytes += b.size();
                if (!b.key().startsWith(walPrefix) || !isSegment(name(b))) {
                    continue;
                }
                segments++;
                if (oldest == null || name(b).compareTo(name(oldest)) < 0) {
                    oldest = b;
                }
                if (newest == null || name(b).compareTo(name(newest)) > 0) {
                    newest = b;
                }
            }
        }
        return new RepositoryFigures(backups, newestOfType, segments, oldest == null ? null : name(oldest),
                oldest == null ? null : oldest.lastModified(), newest == null ? null : name(newest),
                newest == null ? null : newest.lastModified(), bytes, ReceiverStatus.readAll(repo, layout));
    }

    private static String name(BlobInfo b) {
        return b.key().substring(b.key().lastIndexOf('/') + 1);
    }

    private static boolean isSegment(String name) {
        try {
            return WalFileName.parse(name).kind() == WalFileKind.SEGMENT;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
