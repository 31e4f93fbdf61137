package dev.pgvault.cli;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.backup.BackupType;
import dev.pgvault.archiver.backup.DirectoryEntry;
import dev.pgvault.archiver.backup.FileEntry;
import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.archiver.backup.ManifestJson;
import dev.pgvault.archiver.backup.PageRun;
import dev.pgvault.archiver.backup.StoredObject;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.cli.config.ConfigLoader;
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.codec.ObjectDigest;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Part of {@link CdsTraining}: restores of backups written here by hand, so the restore's classes
 * (picocli's, the manifest reader's, the engine's, a delta restore's) are in the class-data
 * archive too: a full backup restored into an empty directory; an incremental on it, one file
 * stored as pages, restored over that copy with {@code --delta --trust-times}; the full again
 * with {@code --delta}, by checksums. A restore starts a JVM once, but every tenth of a second
 * counts against a 2-second restore, and every hundredth against a 0.4-second delta (the delta
 * classes from the archive took a scale-30 delta with {@code --trust-times} from 0.41 s to 0.39 s).
 */
final class RestoreTraining {
    private RestoreTraining() {}

    private static final String FULL = "20000101-000000F";
    private static final String INCREMENTAL = "20000101-000100I";
    private static final long MTIME = 946684800L;

    static void run(Path dir, Path config, String stanza) throws Exception {
        RepositoryLayout layout = new RepositoryLayout(stanza);
        byte[] big = new byte[3 << 20];
        new java.util.Random(7).nextBytes(big);
        byte[] small = "15\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<FileEntry> files = new ArrayList<>();
        List<StoredObject> objects = new ArrayList<>();
        ClusterIdentity cluster;
        FileEntry bigEntry;
        FileEntry smallEntry;
        try (EncodedStore repo = Repositories.openEncoded(ConfigLoader.load(config).repo())) {
            cluster = new StanzaStore(repo, layout).requireIdentity();
            ObjectDigest d = repo.put(layout.backupDir(FULL) + "data/base/1/1259", BlobWriter.of(big));
            objects.add(new StoredObject("data/base/1/1259", d.plainSize(), d.storedSize(), d.plainSha256()));
            bigEntry = new FileEntry("base/1/1259", big.length, d.plainSha256(), MTIME, 0600, "data/base/1/1259", 0, List.of());
            files.add(bigEntry);
            d = repo.put(layout.backupDir(FULL) + "bundle/1", BlobWriter.of(small));
            objects.add(new StoredObject("bundle/1", d.plainSize(), d.storedSize(), d.plainSha256()));
            smallEntry = new FileEntry("PG_VERSION", small.length, sha256(small), MTIME, 0600, "bundle/1", 0, List.of());
            files.add(smallEntry);
            files.add(emptyFile());
            repo.put(layout.manifestKey(FULL), BlobWriter.of(ManifestJson.write(manifest(FULL, BackupType.FULL, null, 2, cluster,
                    files, objects))));
        }
        Path restored = dir.resolve("restored");
        restore(config, dir, "--pgdata", restored.toString(), "--target-time", "2000-01-01 00:00:01+00", "--target-action",
                "promote");

        // A delta restore's classes too: that copy brought to an incremental (a file stored as
        // two pages over the full's copy) trusting its times, then back to the full by checksums.
        byte[] pages = new byte[2 * 8192];
        new java.util.Random(8).nextBytes(pages);
        try (EncodedStore repo = Repositories.openEncoded(ConfigLoader.load(config).repo())) {
            ObjectDigest d = repo.put(layout.backupDir(INCREMENTAL) + "page/base/1/1259", BlobWriter.of(pages));
            FileEntry base = new FileEntry(bigEntry.path(), big.length, bigEntry.sha256(), MTIME, 0600, bigEntry.object(), 0,
                    List.of(), List.of(), FULL, null, List.of());
            FileEntry paged = new FileEntry(bigEntry.path(), big.length, null, MTIME + 60, 0600, null, 0, List.of(), List.of(), null,
                    base, List.of(new PageRun(null, "page/base/1/1259", d.plainSha256(), List.of(0L, 5L))));
            List<FileEntry> incremental = List.of(paged, smallEntry.inheritedFrom(FULL, MTIME, 0600), emptyFile());
            List<StoredObject> own = List.of(new StoredObject("page/base/1/1259", d.plainSize(), d.storedSize(), d.plainSha256()));
            repo.put(layout.manifestKey(INCREMENTAL), BlobWriter.of(ManifestJson.write(manifest(INCREMENTAL, BackupType.INCR,
                    FULL, 3, cluster, incremental, own))));
        }
        restore(config, dir, "--pgdata", restored.toString(), "--backup", INCREMENTAL, "--delta", "--trust-times");
        restore(config, dir, "--pgdata", restored.toString(), "--backup", FULL, "--delta");
    }

    private static FileEntry emptyFile() throws Exception {
        return new FileEntry("base/1/1260", 0, sha256(new byte[0]), MTIME, 0600, null, 0, List.of());
    }

    /** A backup within WAL segment {@code segment}, with a label that names it as pgvault's labels do. */
    private static Manifest manifest(String id, BackupType type, String parent, int segment, ClusterIdentity cluster,
            List<FileEntry> files, List<StoredObject> objects) {
        long segmentSize = cluster.walSegmentSize();
        String wal = WalFileName.segmentName(1, segment, segmentSize);
        Lsn start = new Lsn(segment * segmentSize + 0x28);
        return new Manifest(id, type, parent, Instant.EPOCH.plusSeconds(segment - 2L), Instant.EPOCH.plusSeconds(segment - 1L),
                start, new Lsn(segment * segmentSize + 0x100), 1, wal, wal, cluster, true,
                "START WAL LOCATION: " + start + " (file " + wal + ")\nLABEL: pgvault " + id + "\n", null,
                List.of(new DirectoryEntry("base", 0700, null), new DirectoryEntry("base/1", 0700, null),
                        new DirectoryEntry("pg_wal", 0700, null)),
                files, objects);
    }

    /** Runs {@code restore ARGS} as the launcher's restore_command would name it; it must succeed. */
    private static void restore(Path config, Path dir, String... args) throws Exception {
        // restore_command names the launcher: stand in for it while training
        Path launcher = dir.resolve("pgvault-launcher");
        if (!Files.exists(launcher)) {
            Files.createFile(launcher, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        String saved = System.setProperty("pgvault.launcher", launcher.toString());
        try {
            // kept, not shown: a training that fails says why
            java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
            PrintStream sink = new PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8);
            PrintStream out = System.out;
            PrintStream err = System.err;
            System.setOut(sink);
            System.setErr(sink);
            try {
                List<String> command = new ArrayList<>(List.of("--config", config.toString(), "restore"));
                command.addAll(List.of(args));
                int code = Main.run(command.toArray(String[]::new), sink, sink);
                if (code != 0) {
                    throw new IllegalStateException("CDS training run: restore " + List.of(args) + " exited " + code + ": "
                            + said.toString(java.nio.charset.StandardCharsets.UTF_8).strip());
                }
            } finally {
                System.setOut(out);
                System.setErr(err);
            }
        } finally {
            if (saved == null) {
                System.clearProperty("pgvault.launcher");
            } else {
                System.setProperty("pgvault.launcher", saved);
            }
        }
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
