package dev.pgvault.archiver.backup;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Pins ({@code pgvault keep}): a small marker object beside a backup's manifest. While it is
 * there, no retention rule removes the backup, and expire keeps the WAL from its start to its
 * stop, so it always restores to at least its end. Removing the marker unpins it. A marker is a
 * separate object rather than a change to the manifest, which is written once and never again.
 */
public final class BackupPins {
    private final EncodedStore repo;
    private final RepositoryLayout layout;

    public BackupPins(EncodedStore repo, RepositoryLayout layout) {
        this.repo = repo;
        this.layout = layout;
    }

    /**
     * Pins backup {@code id}; returns false when it already was. Throws {@link
     * NoSuchBackupException} when the stanza has no such complete backup, and leaves no marker
     * when the backup was removed while this ran.
     */
    public boolean pin(String id, Instant now) throws IOException {
        new dev.pgvault.archiver.StanzaStore(repo, layout).requireIdentity(); // the stanza's key derivation for what it writes
        requireBackup(id);
        String key = layout.keepKey(id);
        if (repo.blobs().stat(key).isPresent()) {
            return false;
        }
        repo.put(key, BlobWriter.of(("{\"kept_since\": \"" + now + "\"}\n").getBytes(StandardCharsets.UTF_8)));
        if (repo.blobs().stat(layout.manifestKey(id)).isEmpty()) {
            // expire removed the backup between the check and the write
            repo.blobs().delete(key);
            throw new NoSuchBackupException("backup " + id + " was removed while it was being pinned");
        }
        return true;
    }

    /** Unpins backup {@code id}; returns false when it was not pinned. */
    public boolean release(String id) throws IOException {
        requireBackup(id);
        String key = layout.keepKey(id);
        if (repo.blobs().stat(key).isEmpty()) {
            return false;
        }
        repo.blobs().delete(key);
        return true;
    }

    private void requireBackup(String id) throws IOException {
        if (!BackupId.isWellFormed(id) || repo.blobs().stat(layout.manifestKey(id)).isEmpty()) {
            throw new NoSuchBackupException("no backup '" + printable(id) + "' in stanza '" + layout.stanza()
                    + "' (see 'pgvault info' for the backup ids)");
        }
    }

    private static String printable(String s) {
        String cut = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
