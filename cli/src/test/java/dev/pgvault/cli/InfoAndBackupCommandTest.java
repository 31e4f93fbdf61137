package dev.pgvault.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.fs.FsBlobStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** info as a user reads it, and the refusals of backup that need no PostgreSQL. */
class InfoAndBackupCommandTest {

    @TempDir
    Path dir;

    private Path config(Path repo, String extra) throws Exception {
        Path cfg = dir.resolve("pgvault.yaml");
        Files.writeString(cfg, "stanza: main\n" + extra + "repo:\n  path: " + repo + "\n");
        return cfg;
    }

    @Test
    void infoShowsTheBackupsTheWalAndTheWindow() throws Exception {
        Path repo = Files.createDirectories(dir.resolve("repo"));
        RepositoryLayout layout = new RepositoryLayout("main");
        try (EncodedStore store = new EncodedStore(new FsBlobStore(repo), CodecSpec.DEFAULT)) {
            ClusterIdentity cluster = new ClusterIdentity(7312345678901234567L, 150004, 16 << 20, Instant.EPOCH);
            new StanzaStore(store, layout).init(cluster);
            Manifest m = new Manifest("20261126-031500F", BackupType.FULL, null, Instant.parse("2026-11-26T03:15:00Z"),
                    Instant.parse("2026-11-26T03:15:07Z"), Lsn.parse("0/2000028"), Lsn.parse("0/2000138"), 1,
                    "000000010000000000000002", "000000010000000000000002", cluster, true, "label", null,
                    List.of(new DirectoryEntry("base", 0700, null)),
                    List.of(new FileEntry("base/1/1259", 3 << 20, "aa", 0, 0600, "data/base/1/1259", 0, List.of(3L))),
                    List.of(new StoredObject("data/base/1/1259", 3 << 20, 1 << 20, "aa")));
            store.put(layout.manifestKey(m.id()), BlobWriter.of(ManifestJson.write(m)));
            for (String wal : List.of("000000010000000000000002", "000000010000000000000003")) {
                store.put(layout.walKey(WalFileName.parse(wal)), BlobWriter.of(new byte[] {1}));
            }
        }
        Path cfg = config(repo, "");

        MainTest.Result table = MainTest.run("--config", cfg.toString(), "info");
        assertEquals(0, table.code(), table.err());
        for (String expected : List.of("stanza: main", "20261126-031500F", "full", "2026-11-26 03:15:00",
                "0/2000138", "3.0 MiB", "1.0 MiB", "wal archive: 000000010000000000000002 .. 000000010000000000000003 (2 segments)",
                "recoverable: from 2026-11-26 03:15:07 UTC", "to the end of 000000010000000000000003 (lsn 0/4000000)")) {
            assertTrue(table.out().contains(expected), expected + " in:\n" + table.out());
        }
        assertTrue(table.out().lines().anyMatch(l -> l.contains("20261126-031500F") && l.strip().endsWith("1")),
                "the bad page count ends the row:\n" + table.out());

        MainTest.Result json = MainTest.run("--config", cfg.toString(), "info", "--output", "json");
        assertEquals(0, json.code(), json.err());
        assertTrue(json.out().contains("\"stored_bytes\" : 1048576"), json.out());
        assertTrue(json.out().contains("\"max\" : \"000000010000000000000003\""), json.out());
    }

    @Test
    void infoOnAStanzaNeverInitializedNamesTheFix() throws Exception {
        Path cfg = config(Files.createDirectories(dir.resolve("repo")), "");
        MainTest.Result r = MainTest.run("--config", cfg.toString(), "info");
        assertEquals(4, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("stanza 'main' is not initialized") && r.err().contains("pgvault init"), r.err());
        MainTest.Result bad = MainTest.run("--config", cfg.toString(), "info", "--output", "yaml");
        assertEquals(2, bad.code(), bad.err());
    }

    @Test
    void backupRefusesWhatItCannotDoBeforeTouchingAnything() throws Exception {
        Path repo = Files.createDirectories(dir.resolve("repo"));
        Path cfg = config(repo, "");
        MainTest.Result weekly = MainTest.run("--config", cfg.toString(), "backup", "--type", "weekly");
        assertEquals(2, weekly.code());
        assertEquals("pgvault: unknown backup type 'weekly': use full, diff or incr", weekly.err().strip());

        MainTest.Result noData = MainTest.run("--config", cfg.toString(), "backup");
        assertEquals(3, noData.code());
        assertTrue(noData.err().contains("pg.data is not set"), noData.err());

        Path withData = config(repo, "pg:\n  data: " + dir + "\n  port: 1\n");
        MainTest.Result noServer = MainTest.run("--config", withData.toString(), "backup");
        assertEquals(5, noServer.code(), noServer.err());
        assertEquals(1, noServer.err().strip().lines().count(), noServer.err());
        try (var files = Files.list(repo)) {
            assertEquals(0, files.count(), "nothing written");
        }
    }
}
