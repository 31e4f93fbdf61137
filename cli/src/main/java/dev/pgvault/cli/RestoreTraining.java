package dev.pgvault.cli;

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
import dev.pgvault.cli.config.ConfigLoader;
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.codec.ObjectDigest;
import java.io.OutputStream;
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
 * Part of {@link CdsTraining}: a restore of a two-object backup written here by hand, so the
 * restore's classes (picocli's, the manifest reader's, the engine's) are in the class-data archive
 * too. A restore starts a JVM once, but every tenth of a second counts against a 2-second restore.
 */
final class RestoreTraining {
    private RestoreTraining() {}

    static void run(Path dir, Path config, String stanza) throws Exception {
        String id = "20000101-000000F";
        RepositoryLayout layout = new RepositoryLayout(stanza);
        byte[] big = new byte[3 << 20];
        new java.util.Random(7).nextBytes(big);
        byte[] small = "15\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<FileEntry> files = new ArrayList<>();
        List<StoredObject> objects = new ArrayList<>();
        try (EncodedStore repo = Repositories.openEncoded(ConfigLoader.load(config).repo())) {
            ClusterIdentity cluster = new StanzaStore(repo, layout).requireIdentity();
            ObjectDigest d = repo.put(layout.backupDir(id) + "data/base/1/1259", BlobWriter.of(big));
            objects.add(new StoredObject("data/base/1/1259", d.plainSize(), d.storedSize(), d.plainSha256()));
            files.add(new FileEntry("base/1/1259", big.length, d.plainSha256(), 946684800L, 0600, "data/base/1/1259", 0, List.of()));
            d = repo.put(layout.backupDir(id) + "bundle/1", BlobWriter.of(small));
            objects.add(new StoredObject("bundle/1", d.plainSize(), d.storedSize(), d.plainSha256()));
            files.add(new FileEntry("PG_VERSION", small.length, sha256(small), 946684800L, 0600, "bundle/1", 0, List.of()));
            files.add(new FileEntry("base/1/1260", 0, sha256(new byte[0]), 946684800L, 0600, null, 0, List.of()));
            Manifest m = new Manifest(id, BackupType.FULL, null, Instant.EPOCH, Instant.EPOCH.plusSeconds(1), Lsn.parse("0/2000028"),
                    Lsn.parse("0/2000100"), 1, "000000010000000000000002", "000000010000000000000002", cluster, true,
                    "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\n", null,
                    List.of(new DirectoryEntry("base", 0700, null), new DirectoryEntry("base/1", 0700, null),
                            new DirectoryEntry("pg_wal", 0700, null)),
                    files, objects);
            repo.put(layout.manifestKey(id), BlobWriter.of(ManifestJson.write(m)));
        }
        // restore_command names the launcher: stand in for it while training
        Path launcher = Files.createFile(dir.resolve("pgvault-launcher"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        String saved = System.setProperty("pgvault.launcher", launcher.toString());
        try {
            PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
            PrintStream out = System.out;
            PrintStream err = System.err;
            System.setOut(sink);
            System.setErr(sink);
            try {
                int code = Main.run(new String[] {"--config", config.toString(), "restore", "--pgdata",
                        dir.resolve("restored").toString(), "--target-time", "2000-01-01 00:00:01+00", "--target-action", "promote"},
                        sink, sink);
                if (code != 0) {
                    throw new IllegalStateException("CDS training run: restore exited " + code);
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
