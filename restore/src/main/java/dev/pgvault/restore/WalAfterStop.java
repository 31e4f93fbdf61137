package dev.pgvault.restore;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.archiver.wal.TimelineHistory;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.storage.BlobNotFoundException;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.io.InputStream;

/**
 * Whether recovery from a backup can go past its end: the segment after its stop segment is
 * archived on its timeline, or on a later timeline that left it after the stop. Expire removes
 * the WAL after a pinned backup's stop, and a restore from it to a later target would then stop
 * at its end; this is checked before anything is written. Probes as PostgreSQL finds the newest
 * timeline: history files of consecutive timelines until one is missing.
 */
final class WalAfterStop {
    /** More timelines than this above a backup's own: something else is wrong. */
    private static final int MAX_TIMELINES = 1000;

    private WalAfterStop() {}

    static boolean archived(EncodedStore repo, RepositoryLayout layout, Manifest backup, long segmentSize)
            throws IOException {
        long next = WalFileName.parse(backup.stopWal()).segmentNumber(segmentSize) + 1;
        if (exists(repo, layout, backup.timeline(), next, segmentSize)) {
            return true;
        }
        for (int tli = backup.timeline() + 1; tli < backup.timeline() + MAX_TIMELINES; tli++) {
            WalFileName historyName = WalFileName.parse(String.format("%08X.history", tli));
            TimelineHistory history;
            try (InputStream in = repo.get(layout.walKey(historyName))) {
                history = TimelineHistory.parse(tli, in.readAllBytes());
            } catch (BlobNotFoundException e) {
                return false;
            } catch (IllegalArgumentException e) {
                continue; // a damaged history: verify names it; this timeline proves nothing
            }
            if (history.holdsUpTo(backup.timeline(), backup.stopLsn()) && exists(repo, layout, tli, next, segmentSize)) {
                return true;
            }
        }
        return false;
    }

    private static boolean exists(EncodedStore repo, RepositoryLayout layout, int tli, long segment, long segmentSize)
            throws IOException {
        String name = WalFileName.segmentName(tli, segment, segmentSize);
        return repo.blobs().stat(layout.walKey(WalFileName.parse(name))).isPresent();
    }
}
