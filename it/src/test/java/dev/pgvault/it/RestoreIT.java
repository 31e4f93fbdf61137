package dev.pgvault.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.backup.BackupType;
import dev.pgvault.archiver.backup.DirectoryEntry;
import dev.pgvault.archiver.backup.FileEntry;
import dev.pgvault.archiver.backup.FilePart;
import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.archiver.backup.ManifestJson;
import dev.pgvault.archiver.backup.StoredObject;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.codec.ObjectDigest;
import dev.pgvault.storage.fs.FsBlobStore;
import java.io.ByteArrayOutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * pgvault restore through the installed launcher, run as PostgreSQL's OS user, on a small backup
 * written by hand (two of a new cluster's files in a bundle): the restored directory belongs to
 * that user with mode 0700, and PostgreSQL itself reads the recovery settings as written.
 *
 * <p>And a real backup of a table larger than the part size: split on backup, restored byte for
 * byte, a corrupt part named by verify and restore.
 */
@Concurrent
class RestoreIT {

    @BeforeAll
    static void needsPostgres() {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found in " + PgCluster.BIN);
    }

    @Test
    @Timeout(300)
    void restoresAsPostgresUserAndPostgresReadsTheSettings() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser); PgCluster pg = PgCluster.create()) {
            Path config = repo.config("main", pg);
            byte[] conf = Files.readAllBytes(pg.data.resolve("postgresql.conf"));
            byte[] version = Files.readAllBytes(pg.data.resolve("PG_VERSION"));
            writeBackup(repo.dir.resolve("repo"), conf, version);
            own(pgUser, repo.dir.resolve("repo"));

            Path base = pgUser.newDirectory("pgvault-restore");
            try {
                Path target = base.resolve("data");
                Proc r = dist.run(pgUser, config, "restore", "--pgdata", target.toString(),
                        "--target-time", "2026-11-26 04:00:00+00", "--target-action", "promote").ok();
                List<String> out = r.stdout().lines().toList();
                assertTrue(out.get(0).startsWith("restored backup 20261126-031500F into " + target + ": 2 files"), r.stdout());
                assertEquals("start it with: " + PgCluster.BIN.resolve("pg_ctl") + " -D " + target + " start", out.get(2));
                assertTrue(r.stderr().isEmpty(), r.stderr());

                assertArrayEquals(version, Files.readAllBytes(target.resolve("PG_VERSION")));
                assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
                try (Stream<Path> all = Files.walk(target)) {
                    for (Path p : (Iterable<Path>) all::iterator) {
                        assertEquals(pgUser.name(), Files.getOwner(p).getName(), p.toString());
                    }
                }
                assertTrue(Files.exists(target.resolve("recovery.signal")));

                // PostgreSQL's own parser reads back what the restore wrote.
                Proc cmd = Proc.run(pgUser, List.of(PgCluster.BIN.resolve("postgres").toString(), "-D", target.toString(),
                        "-C", "restore_command")).ok();
                assertEquals(dist.launcher() + " --config " + config + " archive-get %f \"%p\"", cmd.stdout().strip());
                Proc time = Proc.run(pgUser, List.of(PgCluster.BIN.resolve("postgres").toString(), "-D", target.toString(),
                        "-C", "recovery_target_time")).ok();
                assertEquals("2026-11-26 04:00:00+00", time.stdout().strip());

                // Again into the now non-empty directory: refused, nothing changed.
                long before = Files.getLastModifiedTime(target.resolve("PG_VERSION")).toMillis();
                Proc again = dist.run(pgUser, config, "restore", "--pgdata", target.toString());
                assertEquals(2, again.exitCode(), again.stderr());
                assertTrue(again.stderr().contains(target + " is not empty"), again.stderr());
                assertEquals(before, Files.getLastModifiedTime(target.resolve("PG_VERSION")).toMillis());

                // A time before the backup finished: refused, naming it.
                Proc early = dist.run(pgUser, config, "restore", "--pgdata", base.resolve("early").toString(),
                        "--target-time", "2026-11-26 03:00:00+00");
                assertEquals(1, early.exitCode(), early.stderr());
                assertTrue(early.stderr().contains("the earliest moment a restore can reach is 2026-11-26 03:16:00+00, the end"
                        + " of the oldest backup, 20261126-031500F"), early.stderr());
                assertFalse(Files.exists(base.resolve("early")));
            } finally {
                PgvaultDist.deleteTree(base);
            }
        }
    }

    /**
     * A copy restored with {@code --archive-mode off} and started as restored (its postgresql.conf
     * says archive_mode = on, and archive_command still pushes into the stanza) archives nothing
     * once promoted; a copy restored as by default pushes its new timeline's history file into the
     * production stanza, which is what the option is for.
     */
    @Test
    @Timeout(300)
    void aCopyRestoredWithArchiveModeOffArchivesNothingIntoTheStanza() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on", "archive_timeout = 0")) {
            Path config = startArchiving(dist, pgUser, repo, pg);
            dist.run(pgUser, config, "backup").ok();
            Path base = pgUser.newDirectory("pgvault-restore");
            try {
                Path off = base.resolve("off");
                Proc r = dist.run(pgUser, config, "restore", "--pgdata", off.toString(), "--archive-mode", "off").ok();
                assertTrue(r.stdout().contains("archive_mode = 'off' written into postgresql.auto.conf"), r.stdout());
                int port = PgCluster.freePort();
                RestoredCopy.startAsRestored(pgUser, off, port, base);
                try (Connection c = RestoredCopy.connect(port); Statement st = c.createStatement()) {
                    RestoredCopy.awaitPromoted(st);
                    assertEquals("off", PointInTimeRecoveryIT.value(st, "SHOW archive_mode"));
                    st.execute("CREATE TABLE written_by_the_copy AS SELECT g FROM generate_series(1, 1000) g");
                    PointInTimeRecoveryIT.value(st, "SELECT pg_walfile_name(pg_switch_wal())");
                    Thread.sleep(2000);
                    assertEquals("0", PointInTimeRecoveryIT.value(st, "SELECT archived_count::text FROM pg_stat_archiver"));
                } finally {
                    RestoredCopy.stop(pgUser, off);
                }
                String objects = dist.run(pgUser, config, "repo-ls").ok().stdout();
                // nothing of timeline 2, the copy's own: neither its history file nor a segment
                assertFalse(objects.contains("00000002.history") || objects.contains("/00000002000000"), objects);

                Path kept = base.resolve("kept");
                dist.run(pgUser, config, "restore", "--pgdata", kept.toString()).ok();
                int keptPort = PgCluster.freePort();
                RestoredCopy.startAsRestored(pgUser, kept, keptPort, base);
                try (Connection c = RestoredCopy.connect(keptPort); Statement st = c.createStatement()) {
                    RestoredCopy.awaitPromoted(st);
                    assertEquals("on", PointInTimeRecoveryIT.value(st, "SHOW archive_mode"));
                    long deadline = System.currentTimeMillis() + 60_000;
                    while (!dist.run(pgUser, config, "repo-ls").ok().stdout().contains("00000002.history")) {
                        assertTrue(System.currentTimeMillis() < deadline, "the default copy never archived its history file");
                        Thread.sleep(500);
                    }
                } finally {
                    RestoredCopy.stop(pgUser, kept);
                }
            } finally {
                PgvaultDist.deleteTree(base);
            }
        }
    }

    /**
     * A table larger than the part size (1 MiB here, through the internal setting, instead of a
     * table larger than the default) is backed up in parts; a corrupt page in a later part is
     * named by its block number in the relation; the restore is byte-identical; a flipped byte in
     * one part's object fails verify and restore, naming the object and the file.
     */
    @Test
    @Timeout(300)
    void aFileLargerThanThePartSizeIsBackedUpInPartsAndRestoredByteIdentical() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        Map<String, String> smallParts = Map.of("PGVAULT_JAVA_OPTS", "-Dpgvault.backup.part-size=" + (1 << 20));
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on", "archive_timeout = 0")) {
            Path config = startArchiving(dist, pgUser, repo, pg);
            String big;
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE big WITH (autovacuum_enabled = off) AS"
                        + " SELECT g, md5(g::text) AS h FROM generate_series(1, 100000) g");
                st.execute("VACUUM (FREEZE) big");
                st.execute("CHECKPOINT");
                try (ResultSet rs = st.executeQuery("SELECT pg_relation_filepath('big')")) {
                    rs.next();
                    big = rs.getString(1);
                }
            }
            Path bigFile = pg.data.resolve(big);
            long size = Files.size(bigFile);
            assertTrue(size > 5 * (1 << 20), "the table spans several parts: " + size);
            long block = 400; // in the fourth 1 MiB part: its number comes from the part's offset
            pg.stop();
            flipByte(bigFile, block * 8192 + 5000);
            pg.start();

            Proc backup = dist.run(pgUser, smallParts, config, "backup").ok();
            assertTrue(backup.stderr().contains("warning: " + big + ": 1 page fails its checksum (block " + block + ")"),
                    backup.stderr());
            String id = backup.stdout().lines().findFirst().orElseThrow();
            Proc get = dist.run(pgUser, config, "repo-get", "main/backup/" + id + "/backup.manifest").ok();
            Manifest m = ManifestJson.read(new java.io.ByteArrayInputStream(get.stdout().getBytes(UTF_8)));
            FileEntry entry = m.files().stream().filter(f -> f.path().equals(big)).findFirst().orElseThrow();
            assertTrue(entry.parts().size() >= 6, entry.toString());
            assertEquals(size, entry.size());
            assertEquals(List.of(block), entry.badPages());
            for (FilePart part : entry.parts()) {
                assertTrue(part.size() <= 1 << 20 && part.offset() % 8192 == 0, part.toString());
            }
            assertEquals(0, dist.run(pgUser, config, "verify").exitCode());

            Path base = pgUser.newDirectory("pgvault-restore");
            try {
                Path target = base.resolve("data");
                dist.run(pgUser, config, "restore", "--pgdata", target.toString()).ok();
                assertEquals(sha256(Files.readAllBytes(bigFile)), sha256(Files.readAllBytes(target.resolve(big))),
                        "the split file is restored byte for byte");
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(target.resolve(big))));
                assertEquals(Files.getLastModifiedTime(bigFile).toMillis() / 1000,
                        Files.getLastModifiedTime(target.resolve(big)).toMillis() / 1000);

                // One flipped byte in one part's object: verify and restore both name it and the file.
                String key = entry.parts().get(2).object();
                Path stored = repo.dir.resolve("repo/main/backup/" + id + "/" + key);
                byte[] bytes = Files.readAllBytes(stored);
                bytes[bytes.length / 2] ^= 0x01;
                Files.write(stored, bytes);
                Proc bad = dist.run(pgUser, config, "verify");
                assertEquals(6, bad.exitCode(), bad.stdout() + bad.stderr());
                assertTrue((bad.stdout() + bad.stderr()).contains(key) && (bad.stdout() + bad.stderr()).contains(big),
                        bad.stdout() + bad.stderr());
                Proc failed = dist.run(pgUser, config, "restore", "--pgdata", base.resolve("again").toString());
                assertTrue(failed.exitCode() != 0, failed.stdout());
                assertTrue(failed.stderr().contains(big) && failed.stderr().contains(key), failed.stderr());
                assertEquals(1, failed.stderr().strip().lines().count(), failed.stderr());
                assertFalse(Files.exists(base.resolve("again/global/pg_control")), "a failed restore cannot be started");
            } finally {
                PgvaultDist.deleteTree(base);
            }
        }
    }

    /** Starts {@code pg} archiving into {@code repo}'s stanza 'main', made here; returns the configuration. */
    private static Path startArchiving(PgvaultDist dist, OsUser pgUser, TestRepo repo, PgCluster pg) throws Exception {
        Path config = repo.config("main", pg);
        Files.writeString(pg.data.resolve("postgresql.auto.conf"), "archive_command = '" + dist.launcher() + " --config "
                + config + " archive-push %p'\n", StandardOpenOption.APPEND);
        pg.start();
        dist.run(pgUser, config, "init").ok();
        return config;
    }

    private static void flipByte(Path file, long at) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x20)).rewind();
            ch.write(b, at);
        }
    }

    /** Two files in one bundle object and a manifest, as the manifest's javadoc lays them out. */
    private static void writeBackup(Path repoDir, byte[] conf, byte[] version) throws Exception {
        RepositoryLayout layout = new RepositoryLayout("main");
        ClusterIdentity cluster = new ClusterIdentity(7312345678901234567L, 150004, 16 << 20, Instant.EPOCH);
        String id = "20261126-031500F";
        try (EncodedStore store = new EncodedStore(new FsBlobStore(repoDir), CodecSpec.DEFAULT)) {
            new StanzaStore(store, layout).init(cluster);
            ByteArrayOutputStream bundle = new ByteArrayOutputStream();
            bundle.write(version);
            bundle.write(conf);
            ObjectDigest d = store.put(layout.backupDir(id) + "bundle/1", BlobWriter.of(bundle.toByteArray()));
            List<FileEntry> files = new ArrayList<>();
            files.add(new FileEntry("PG_VERSION", version.length, sha256(version), 1764126900L, 0600, "bundle/1", 0, List.of()));
            files.add(new FileEntry("postgresql.conf", conf.length, sha256(conf), 1764126900L, 0600, "bundle/1", version.length,
                    List.of()));
            Manifest m = new Manifest(id, BackupType.FULL, null, Instant.parse("2026-11-26T03:15:00Z"),
                    Instant.parse("2026-11-26T03:16:00Z"), Lsn.parse("0/2000028"), Lsn.parse("0/2000100"), 1,
                    "000000010000000000000002", "000000010000000000000002", cluster, true,
                    "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\n", null,
                    List.of(new DirectoryEntry("pg_wal", 0700, null)), files,
                    List.of(new StoredObject("bundle/1", d.plainSize(), d.storedSize(), d.plainSha256())));
            store.put(layout.manifestKey(id), BlobWriter.of(ManifestJson.write(m)));
        }
    }

    private static void own(OsUser user, Path root) throws Exception {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                user.own(p);
            }
        }
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
