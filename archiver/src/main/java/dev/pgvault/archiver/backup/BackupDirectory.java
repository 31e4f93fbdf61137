package dev.pgvault.archiver.backup;

import dev.pgvault.storage.BlobInfo;
import java.time.Instant;
import java.util.List;

/**
 * What the repository holds under one backup's directory, from a listing.
 *
 * @param complete whether its manifest is there: only then is it a backup
 * @param pinned whether its keep marker is there ({@code pgvault keep})
 * @param objects every object under the directory, manifest and marker included
 */
public record BackupDirectory(String id, boolean complete, boolean pinned, List<BlobInfo> objects) {

    public BackupDirectory {
        objects = List.copyOf(objects);
    }

    /** The newest modification time of its objects: when something was last written there. */
    public Instant lastWritten() {
        Instant newest = Instant.EPOCH;
        for (BlobInfo b : objects) {
            if (b.lastModified() != null && b.lastModified().isAfter(newest)) {
                newest = b.lastModified();
            }
        }
        return newest;
    }

    public long storedBytes() {
        long n = 0;
        for (BlobInfo b : objects) {
            n += b.size();
        }
        return n;
    }
}
