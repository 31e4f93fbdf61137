package dev.pgvault.archiver.verify;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.backup.BackupType;
import dev.pgvault.archiver.backup.DirectoryEntry;
import dev.pgvault.archiver.backup.FileEntry;
import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.archiver.backup.ManifestJson;
import dev.pgvault.archiver.backup.StoredObject;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.archiver.wal.WalSegmentHeader;
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.codec.ObjectDigest;
import dev.pgvault.storage.codec.ObjectEncoder;
import dev.pgvault.storage.fs.FsBlobStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A stanza in a filesystem repository, with backups written by hand exactly as the manifest's
 * javadoc describes them (a file alone, small files in a bundle, empty files without an object)
 * and WAL segments that are a page header, as PostgreSQL writes it, and zeros: verify checks
 * the header against the name and parses nothing else. Segments are 1 MiB (PostgreSQL's
 * smallest) to keep the tests quick.
 */
public final class TestStanza implements AutoCloseable {
    public static final int SEGMENT_SIZE = 1024 * 1024;

    public final Path root;
    public final EncodedStore repo;
    public final RepositoryLayout layout = new RepositoryLayout("main");
    public final ClusterIdentity cluster = new ClusterIdentity(7301234567890123456L, 150004, SEGMENT_SIZE,
            Instant.parse("2026-11-26T03:00:00Z"));

    public TestStanza(Path root, CodecSpec spec) throws IOException {
        this(root, new FsBlobStore(root), spec);
    }

    /** A stanza in {@code blobs} (an S3 store, say); {@code root} is null unless it is a directory there. */
    public TestStanza(Path root, dev.pgvault.storage.BlobStore blobs, CodecSpec spec) throws IOException {
        this.root = root;
        this.repo = new EncodedStore(blobs, spec);
        new StanzaStore(repo, layout).init(cluster);
    }

    public static String segment(int tli, long n) {
        return WalFileName.segmentName(tli, n, SEGMENT_SIZE);
    }

    /** Archives segments {@code from..to} of timeline {@code tli}. */
    public void wal(int tli, long from, long to) throws IOException {
        for (long n = from; n <= to; n++) {
            repo.put(walKey(segment(tli, n)), BlobWriter.of(segmentBytes(cluster, tli, n)));
        }
    }

    /**
     * Stores {@code content} under segment {@code name}'s key as a format-1 object, which names no
     * key: what a repository written before format 2 holds.
     */
    void walUnbound(String name, byte[] content) throws IOException {
        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        try (var out = new ObjectEncoder(CodecSpec.DEFAULT).open(stored)) {
            out.write(content);
        }
        repo.blobs().put(walKey(name), BlobWriter.of(stored.toByteArray()));
    }

    /** Swaps the stored objects under two keys, bytes intact, as a misdirected copy would. */
    public void swap(String keyA, String keyB) throws IOException {
        byte[] a = raw(keyA);
        byte[] b = raw(keyB);
        repo.blobs().put(keyA, BlobWriter.of(b));
        repo.blobs().put(keyB, BlobWriter.of(a));
    }

    /** The object stored under {@code key} as stored: its header, encoding and all. */
    public byte[] raw(String key) throws IOException {
        try (var in = repo.blobs().get(key)) {
            return in.readAllBytes();
        }
    }

    /**
     * What PostgreSQL would archive as segment {@code n} of timeline {@code tli} of {@code cluster}
     * switched right after its page header: a switch record (xl_tot_len 24, xl_info XLOG_SWITCH,
     * resource manager 0), then zeros. Without it, zeros after the header are a segment that is not
     * finished, which archive-push refuses.
     */
    public static byte[] segmentBytes(ClusterIdentity cluster, int tli, long n) {
        byte[] b = new byte[cluster.walSegmentSize()];
        byte[] h = new WalSegmentHeader(0xD110, tli, n * cluster.walSegmentSize(), cluster.systemIdentifier(),
                cluster.walSegmentSize(), 8192).encode();
        System.arraycopy(h, 0, b, 0, h.length);
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.nativeOrder()).putInt(h.length, 24).put(h.length + 16, (byte) 0x40);
        return b;
    }

    public String walKey(String name) {
        return layout.walKey(WalFileName.parse(name));
    }

    Backup backup(String id, long startSegment, long stopSegment) {
        return new Backup(id, 1, startSegment, stopSegment);
    }

    public Backup backup(String id, int timeline, long startSegment, long stopSegment) {
        return new Backup(id, timeline, startSegment, stopSegment);
    }

    /** Flips one byte in the middle of a stored object, as a failing disk would. */
    void flipByte(String key) throws IOException {
        Path file = root.resolve(key);
        byte[] b = Files.readAllBytes(file);
        b[b.length / 2] ^= 0x40;
        Files.write(file, b);
    }

    void delete(String key) throws IOException {
        repo.blobs().delete(key);
    }

    public VerifyReport verify() throws IOException {
        return new Verifier(repo, layout, 3).run();
    }

    @Override
    public void close() throws IOException {
        repo.close();
    }

    static byte[] bytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        for (int i = 0; i < size; i += 3) {
            b[i] = 0; // compressible in part, like a relation file
        }
        return b;
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One backup being written; {@link #write} stores its objects, then its manifest, last. */
    public final class Backup {
        public final String id;
        private final int timeline;
        private Instant start = Instant.parse("2026-11-26T03:15:00Z");
        private final long startSegment;
        private final long stopSegment;
        private final List<FileEntry> files = new ArrayList<>();
        private final List<StoredObject> objects = new ArrayList<>();
        private final Map<String, String> shaLies = new HashMap<>();
        private int bundles;
        private BackupType type = BackupType.FULL;
        private String parent;

        private Backup(String id, int timeline, long startSegment, long stopSegment) {
            this.id = id;
            this.timeline = timeline;
            this.startSegment = startSegment;
            this.stopSegment = stopSegment;
        }

        /** The full repository key of one of this backup's objects. */
        public String key(String relative) {
            return layout.backupDir(id) + relative;
        }

        /** A large file, alone in its object "data/&lt;path&gt;". */
        Backup alone(String path, byte[] content) throws IOException {
            String object = "data/" + path;
            store(object, content);
            files.add(file(path, content, object, 0));
            return this;
        }

        /** Small files concatenated in one object "bundle/&lt;n&gt;", each at its offset. */
        Backup bundle(Map<String, byte[]> contents) throws IOException {
            String object = "bundle/" + (++bundles);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (Map.Entry<String, byte[]> e : contents.entrySet()) {
                files.add(file(e.getKey(), e.getValue(), object, all.size()));
                all.write(e.getValue());
            }
            store(object, all.toByteArray());
            return this;
        }

        /** An incremental or differential backup on {@code parentId}. */
        Backup on(String parentId, BackupType t) {
            this.parent = parentId;
            this.type = t;
            return this;
        }

        /** An entry as listed, held by an earlier backup ({@code entry.backup()} set). */
        Backup inherit(FileEntry entry) {
            files.add(entry);
            return this;
        }

        /** A file assembled from {@code base} (an earlier backup's entry) and {@code pages} stored here. */
        Backup paged(String path, FileEntry base, byte[] pages, List<Long> blocks) throws IOException {
            String object = "page/" + path;
            store(object, pages);
            files.add(new FileEntry(path, base.size(), null, 1_790_000_000L, 0600, null, 0, List.of(), List.of(), null, base,
                    List.of(new dev.pgvault.archiver.backup.PageRun(null, object, sha256(pages), blocks))));
            return this;
        }

        /** An empty file: no object. */
        public Backup empty(String path) {
            files.add(file(path, new byte[0], null, 0));
            return this;
        }

        /** The manifest will record {@code sha256} for {@code path}, whatever its bytes hash to. */
        Backup lieAbout(String path, String sha256) {
            shaLies.put(path, sha256);
            return this;
        }

        private FileEntry file(String path, byte[] content, String object, long offset) {
            return new FileEntry(path, content.length, sha256(content), 1_790_000_000L, 0600, object, offset, List.of());
        }

        private void store(String object, byte[] content) throws IOException {
            ObjectDigest d = repo.put(key(object), BlobWriter.of(content));
            objects.add(new StoredObject(object, d.plainSize(), d.storedSize(), d.plainSha256()));
        }

        /** Started at {@code time} (one minute long); the default is 2026-11-26 03:15 UTC. */
        public Backup at(Instant time) {
            this.start = time;
            return this;
        }

        public Manifest write() throws IOException {
            List<FileEntry> recorded = files.stream().map(f -> !shaLies.containsKey(f.path()) ? f
                    : new FileEntry(f.path(), f.size(), shaLies.get(f.path()), f.mtime(), f.mode(), f.object(),
                            f.offset(), f.badPages())).toList();
            Manifest m = new Manifest(id, type, parent, start, start.plusSeconds(60), new Lsn(startSegment * SEGMENT_SIZE + 0x28),
                    new Lsn(stopSegment * SEGMENT_SIZE + 0x100), timeline, segment(timeline, startSegment),
                    segment(timeline, stopSegment), cluster, true, "START WAL LOCATION: ...\n", null,
                    List.of(new DirectoryEntry("base", 0700, null), new DirectoryEntry("pg_wal", 0700, null)),
                    recorded, objects);
            repo.put(layout.manifestKey(id), BlobWriter.of(ManifestJson.write(m)));
            return m;
        }
    }

    /** A typical small backup: one file alone, a bundle of three, an empty file. */
    public Backup typicalBackup(String id, long startSegment, long stopSegment) throws IOException {
        Map<String, byte[]> small = new LinkedHashMap<>();
        small.put("PG_VERSION", "15\n".getBytes(UTF_8));
        small.put("global/pg_control", bytes(8192, 2));
        small.put("postgresql.auto.conf", "# Do not edit this file manually!\n".getBytes(UTF_8));
        return backup(id, startSegment, stopSegment)
                .alone("base/5/16384", bytes(300 * 1024, 1))
                .bundle(small)
                .empty("base/5/pg_internal.init");
    }
}
