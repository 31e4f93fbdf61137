package dev.pgvault.restore;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.backup.BackupType;
import dev.pgvault.archiver.backup.DirectoryEntry;
import dev.pgvault.archiver.backup.FileEntry;
import dev.pgvault.archiver.backup.FilePart;
import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.archiver.backup.ManifestJson;
import dev.pgvault.archiver.backup.PageRun;
import dev.pgvault.archiver.backup.StoredObject;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.codec.ObjectDigest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A backup written by hand, object by object through {@link EncodedStore}, the way the manifest's
 * javadoc describes one: a large file alone under data/&lt;path&gt;, small files concatenated in
 * bundle/&lt;n&gt; at their offsets, empty files without an object, directories (empty ones too)
 * and pg_tblspc/&lt;oid&gt; links. A test fixture, not a backup engine: it reads no cluster.
 */
final class HandMadeBackup {
    record Small(String path, byte[] bytes, int mode, long mtime) {}

    private final EncodedStore repo;
    private final RepositoryLayout layout;
    private final String id;
    private final List<DirectoryEntry> dirs = new ArrayList<>();
    private final List<FileEntry> files = new ArrayList<>();
    private final List<StoredObject> objects = new ArrayList<>();
    private int bundles;
    private Instant stopTime = Instant.parse("2026-11-26T03:16:00Z");
    private Lsn stopLsn = Lsn.parse("0/3000100");
    private String tablespaceMap;
    private ClusterIdentity cluster = RestoreTest.CLUSTER;
    private BackupType type = BackupType.FULL;
    private String parent;

    HandMadeBackup(EncodedStore repo, RepositoryLayout layout, String id) {
        this.repo = repo;
        this.layout = layout;
        this.id = id;
    }

    HandMadeBackup stoppedAt(String time, String lsn) {
        stopTime = Instant.parse(time);
        stopLsn = Lsn.parse(lsn);
        return this;
    }

    /** An incremental on {@code parentId}: its files may name that backup's objects, or its parents'. */
    HandMadeBackup incrementalOn(String parentId) {
        type = BackupType.INCR;
        parent = parentId;
        return this;
    }

    /** An entry as it is, e.g. an earlier backup's file this one reuses ({@link FileEntry#inheritedFrom}). */
    HandMadeBackup entry(FileEntry f) {
        files.add(f);
        return this;
    }

    /**
     * A file stored as pages over {@code base} (an earlier backup's whole copy, its {@code backup}
     * set): {@code earlierRuns} first, then one run of its own holding {@code pages} by block number.
     */
    HandMadeBackup paged(String path, FileEntry base, List<PageRun> earlierRuns, java.util.SortedMap<Long, byte[]> pages,
            long size, int mode, long mtime) throws IOException {
        List<PageRun> runs = new ArrayList<>(earlierRuns);
        if (!pages.isEmpty()) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            pages.values().forEach(all::writeBytes);
            String key = "pages/" + path;
            ObjectDigest d = repo.put(layout.backupDir(id) + key, BlobWriter.of(all.toByteArray()));
            objects.add(new StoredObject(key, d.plainSize(), d.storedSize(), d.plainSha256()));
            runs.add(new PageRun(null, key, d.plainSha256(), List.copyOf(pages.keySet())));
        }
        files.add(new FileEntry(path, size, null, mtime, mode, null, 0, List.of(), List.of(), null, base, runs));
        return this;
    }

    HandMadeBackup cluster(ClusterIdentity c) {
        cluster = c;
        return this;
    }

    HandMadeBackup dir(String path, int mode) {
        dirs.add(new DirectoryEntry(path, mode, null));
        return this;
    }

    HandMadeBackup tablespace(String oid, String location, String map) {
        dirs.add(new DirectoryEntry("pg_tblspc/" + oid, 0700, location));
        tablespaceMap = map;
        return this;
    }

    HandMadeBackup alone(String path, byte[] bytes, int mode, long mtime) throws IOException {
        String key = "data/" + path;
        ObjectDigest d = repo.put(layout.backupDir(id) + key, BlobWriter.of(bytes));
        objects.add(new StoredObject(key, d.plainSize(), d.storedSize(), d.plainSha256()));
        files.add(new FileEntry(path, bytes.length, sha256(bytes), mtime, mode, key, 0, List.of()));
        return this;
    }

    /** A large file split into parts of {@code partSize} bytes, each its own object under part/&lt;path&gt;/&lt;n&gt;. */
    HandMadeBackup split(String path, byte[] bytes, int partSize, int mode, long mtime) throws IOException {
        List<FilePart> parts = new ArrayList<>();
        for (int offset = 0, n = 0; offset < bytes.length; offset += partSize, n++) {
            byte[] range = java.util.Arrays.copyOfRange(bytes, offset, Math.min(bytes.length, offset + partSize));
            String key = "part/" + path + "/" + n;
            ObjectDigest d = repo.put(layout.backupDir(id) + key, BlobWriter.of(range));
            objects.add(new StoredObject(key, d.plainSize(), d.storedSize(), d.plainSha256()));
            parts.add(new FilePart(key, offset, range.length, d.plainSha256()));
        }
        files.add(new FileEntry(path, bytes.length, null, mtime, mode, null, 0, List.of(), parts));
        return this;
    }

    HandMadeBackup bundle(Small... smalls) throws IOException {
        String key = "bundle/" + (++bundles);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Small s : smalls) {
            files.add(new FileEntry(s.path(), s.bytes().length, sha256(s.bytes()), s.mtime(), s.mode(), key, all.size(), List.of()));
            all.write(s.bytes());
        }
        ObjectDigest d = repo.put(layout.backupDir(id) + key, BlobWriter.of(all.toByteArray()));
        objects.add(new StoredObject(key, d.plainSize(), d.storedSize(), d.plainSha256()));
        return this;
    }

    HandMadeBackup empty(String path, int mode, long mtime) {
        files.add(new FileEntry(path, 0, sha256(new byte[0]), mtime, mode, null, 0, List.of()));
        return this;
    }

    /** Replaces a file's entry, e.g. to make the manifest disagree with the stored bytes. */
    HandMadeBackup replaceEntry(String path, java.util.function.UnaryOperator<FileEntry> change) {
        files.replaceAll(f -> f.path().equals(path) ? change.apply(f) : f);
        return this;
    }

    Manifest manifest() {
        return new Manifest(id, type, parent, stopTime.minusSeconds(30), stopTime, Lsn.parse("0/2000028"), stopLsn, 1,
                "000000010000000000000002", "000000010000000000000003", cluster, true,
                "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\nCHECKPOINT LOCATION: 0/2000060\n"
                        + "BACKUP METHOD: streamed\nBACKUP FROM: primary\nSTART TIME: 2026-11-26 03:15:30 UTC\n"
                        + "LABEL: pgvault " + id + "\nSTART TIMELINE: 1\n",
                tablespaceMap, dirs, files, objects);
    }

    /** Writes the manifest, last, as a backup does: only now does the backup exist. */
    Manifest write() throws IOException {
        Manifest m = manifest();
        repo.put(layout.manifestKey(id), BlobWriter.of(ManifestJson.write(m)));
        return m;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
