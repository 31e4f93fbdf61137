package dev.pgvault.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.backup.BackupType;
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
import dev.pgvault.storage.fs.FsBlobStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `pgvault verify` as a user meets it: the lines it prints and its exit code. */
class VerifyCommandTest {
    private static final int SEGMENT_SIZE = 1024 * 1024;
    private static final String ID = "20261126-031500F";
    private static final String BUNDLE = "main/backup/" + ID + "/bundle/1";

    @TempDir
    Path dir;

    Path repo;
    Path cfg;

    @BeforeEach
    void repositoryWithOneBackup() throws Exception {
        repo = Files.createDirectory(dir.resolve("repo"));
        cfg = dir.resolve("pgvault.yaml");
        Files.writeString(cfg, "stanza: main\nprocess-max: 2\nrepo:\n  path: " + repo + "\n");
        RepositoryLayout layout = new RepositoryLayout("main");
        ClusterIdentity cluster = new ClusterIdentity(42, 150004, SEGMENT_SIZE, Instant.EPOCH);
        try (EncodedStore store = new EncodedStore(new FsBlobStore(repo), CodecSpec.DEFAULT)) {
            new StanzaStore(store, layout).init(cluster);
            byte[] a = "15\n".getBytes(UTF_8);
            byte[] b = "shared_buffers = 1GB\n".getBytes(UTF_8);
            byte[] bundle = (new String(a, UTF_8) + new String(b, UTF_8)).getBytes(UTF_8);
            ObjectDigest d = store.put(BUNDLE, BlobWriter.of(bundle));
            Manifest m = new Manifest(ID, BackupType.FULL, null, Instant.EPOCH, Instant.EPOCH,
                    new Lsn(2L * SEGMENT_SIZE), new Lsn(3L * SEGMENT_SIZE), 1, segment(2), segment(3), cluster, false,
                    "label", null, List.of(),
                    List.of(new FileEntry("PG_VERSION", a.length, sha256(a), 0, 0600, "bundle/1", 0, List.of()),
                            new FileEntry("postgresql.auto.conf", b.length, sha256(b), 0, 0600, "bundle/1", a.length,
                                    List.of())),
                    List.of(new StoredObject("bundle/1", d.plainSize(), d.storedSize(), d.plainSha256())));
            store.put(layout.manifestKey(ID), BlobWriter.of(ManifestJson.write(m)));
            for (int n = 2; n <= 4; n++) {
                // a page header as PostgreSQL writes it, which verify checks against the name, then a
                // switch record and zeros: a finished segment, which verify walks to its end
                byte[] wal = new byte[SEGMENT_SIZE];
                byte[] h = new WalSegmentHeader(0xD110, 1, (long) n * SEGMENT_SIZE, 42, SEGMENT_SIZE, 8192).encode();
                System.arraycopy(h, 0, wal, 0, h.length);
                java.nio.ByteBuffer.wrap(wal).order(java.nio.ByteOrder.nativeOrder()).putInt(h.length, 24).put(h.length + 16, (byte) 0x40);
                store.put(layout.walKey(WalFileName.parse(segment(n))), BlobWriter.of(wal));
            }
        }
    }

    private static String segment(long n) {
        return WalFileName.segmentName(1, n, SEGMENT_SIZE);
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void aCleanStanzaExitsZeroWithTheSummary() {
        MainTest.Result r = MainTest.run("--config", cfg.toString(), "verify");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().strip().matches(
                "verified stanza 'main': 1 backup, 1 object, 3 WAL files, \\d+ B read: 0 errors, 0 warnings"), r.out());
    }

    @Test
    void aCorruptObjectIsOneLineAndExit6() throws Exception {
        Path object = repo.resolve(BUNDLE);
        byte[] stored = Files.readAllBytes(object);
        stored[stored.length / 2] ^= 1;
        Files.write(object, stored);

        MainTest.Result r = MainTest.run("--config", cfg.toString(), "verify");
        assertEquals(6, r.code(), r.out() + r.err());
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(2, lines.size(), r.out());
        assertTrue(lines.get(0).startsWith("error: backup " + ID + ": object " + BUNDLE + " is corrupt: "), lines.get(0));
        assertTrue(lines.get(0).endsWith("(files: PG_VERSION, postgresql.auto.conf)"), lines.get(0));
        assertTrue(lines.get(1).endsWith("read: 1 error, 0 warnings"), lines.get(1));
        assertEquals("", r.err());
    }

    @Test
    void jsonOutputForMachines() throws Exception {
        Files.delete(repo.resolve("main/wal/0000000100000000/" + segment(3)));
        MainTest.Result r = MainTest.run("--config", cfg.toString(), "verify", "--output", "json");
        assertEquals(6, r.code(), r.err());
        assertTrue(r.out().strip().startsWith("{") && r.out().strip().endsWith("}"), r.out());
        assertTrue(r.out().contains("\"ok\" : false"), r.out());
        assertTrue(r.out().contains("\"kind\" : \"backup_wal_missing\""), r.out());
        assertTrue(r.out().contains("\"wal_files\" : [ \"" + segment(3) + "\" ]"), r.out());
    }

    @Test
    void anUninitializedStanzaIsAClearError() throws Exception {
        Files.writeString(cfg, "stanza: other\nrepo:\n  path: " + repo + "\n");
        MainTest.Result r = MainTest.run("--config", cfg.toString(), "verify");
        assertEquals(4, r.code());
        assertEquals("pgvault: stanza 'other' is not initialized in fs:" + repo
                + ": run 'pgvault init' on the database host", r.err().strip());
        assertEquals("", r.out());
    }

    @Test
    void aBadOutputFormatIsAUsageError() {
        MainTest.Result r = MainTest.run("--config", cfg.toString(), "verify", "--output", "xml");
        assertEquals(2, r.code());
        assertFalse(r.err().contains("Exception"), r.err());
    }
}
