package dev.pgvault.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.codec.ObjectDigest;
import dev.pgvault.storage.fs.FsBlobStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The restore command as a user meets it: options, output, exit codes and one-line errors. */
class RestoreCommandTest {
    static final ClusterIdentity CLUSTER = new ClusterIdentity(7312345678901234567L, 150004, 16 << 20, Instant.EPOCH);
    static final byte[] VERSION = "15\n".getBytes(UTF_8);

    @TempDir
    Path dir;
    Path config;
    Path launcher;
    String savedLauncher;

    @BeforeEach
    void repositoryWithOneBackup() throws Exception {
        Path repoDir = Files.createDirectories(dir.resolve("repo"));
        // A launcher path with a space and a quote: restore_command must survive both parsers.
        launcher = Files.createDirectories(dir.resolve("opt/pg vault's/bin")).resolve("pgvault");
        Files.writeString(launcher, "#!/bin/sh\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        savedLauncher = System.setProperty("pgvault.launcher", launcher.toString());
        config = dir.resolve("pgvault.yaml");
        Files.writeString(config, "stanza: main\npg:\n  bin: /usr/lib/postgresql/15/bin\nrepo:\n  path: " + repoDir + "\nprocess-max: 2\n");
        writeOneBackup(repoDir);
    }

    /** A stanza with one backup of one file, PG_VERSION. */
    static void writeOneBackup(Path repoDir) throws Exception {
        RepositoryLayout layout = new RepositoryLayout("main");
        try (EncodedStore repo = new EncodedStore(new FsBlobStore(repoDir), CodecSpec.DEFAULT)) {
            new StanzaStore(repo, layout).init(CLUSTER);
            String id = "20261126-031500F";
            ObjectDigest d = repo.put(layout.backupDir(id) + "bundle/1", BlobWriter.of(VERSION));
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(VERSION));
            Manifest m = new Manifest(id, BackupType.FULL, null, Instant.parse("2026-11-26T03:15:00Z"),
                    Instant.parse("2026-11-26T03:16:00Z"), Lsn.parse("0/2000028"), Lsn.parse("0/3000100"), 1,
                    "000000010000000000000002", "000000010000000000000003", CLUSTER, true,
                    "START WAL LOCATION: 0/2000028\nLABEL: pgvault " + id + "\n", null,
                    List.of(new DirectoryEntry("pg_wal", 0700, null)),
                    List.of(new FileEntry("PG_VERSION", VERSION.length, sha, 1764126900L, 0600, "bundle/1", 0, List.of())),
                    List.of(new StoredObject("bundle/1", d.plainSize(), d.storedSize(), d.plainSha256())));
            repo.put(layout.manifestKey(id), BlobWriter.of(ManifestJson.write(m)));
        }
    }

    @AfterEach
    void restoreLauncherProperty() {
        if (savedLauncher == null) {
            System.clearProperty("pgvault.launcher");
        } else {
            System.setProperty("pgvault.launcher", savedLauncher);
        }
    }

    MainTest.Result restore(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("--config", config.toString(), "restore"));
        all.addAll(List.of(args));
        return MainTest.run(all.toArray(String[]::new));
    }

    static void assertOneLine(MainTest.Result r) {
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void restoresAndPrintsWhatAndHowToStart() throws Exception {
        Path pgdata = dir.resolve("data");
        MainTest.Result r = restore("--pgdata", pgdata.toString(), "--target-time", "2026-11-26 05:00:00+01",
                "--target-action", "promote");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).matches("restored backup 20261126-031500F into " + pgdata + ": 1 files, 0\\.0 MB in \\d+\\.\\d\\d s"),
                r.out());
        assertEquals("recovery: replays archived WAL up to recovery target time 2026-11-26 04:00:00+00, then promotes", lines.get(1));
        assertEquals("start it with: /usr/lib/postgresql/15/bin/pg_ctl -D " + pgdata + " start", lines.get(2));
        assertArrayEquals(VERSION, Files.readAllBytes(pgdata.resolve("PG_VERSION")));
        assertTrue(Files.exists(pgdata.resolve("recovery.signal")));
        String conf = Files.readString(pgdata.resolve("postgresql.auto.conf"));
        String shellQuoted = "'" + launcher.toString().replace("'", "'\\''") + "'";
        String confQuoted = (shellQuoted + " --config " + config + " archive-get %f \"%p\"").replace("\\", "\\\\").replace("'", "''");
        assertTrue(conf.contains("\nrestore_command = '" + confQuoted + "'\n"), conf);
        assertTrue(conf.contains("\nrecovery_target_time = '2026-11-26 04:00:00+00'\nrecovery_target_action = 'promote'\n"), conf);
    }

    @Test
    void archiveModeOffIsWrittenAndSaid() throws Exception {
        Path pgdata = dir.resolve("data");
        MainTest.Result r = restore("--pgdata", pgdata.toString(), "--archive-mode", "off");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\narchive_mode = 'off' written into postgresql.auto.conf: this copy archives no WAL\n"), r.out());
        assertTrue(Files.readString(pgdata.resolve("postgresql.auto.conf")).contains("\narchive_mode = 'off'\n"));
    }

    @Test
    void aBadArchiveModeIsABadArgumentAndWritesNothing() {
        MainTest.Result r = restore("--pgdata", dir.resolve("data").toString(), "--archive-mode", "on");
        assertEquals(2, r.code());
        assertOneLine(r);
        assertEquals("pgvault: --archive-mode must be off or preserve, not 'on'", r.err().strip());
        assertFalse(Files.exists(dir.resolve("data")));
    }

    @Test
    void trustTimesWithoutDeltaIsABadArgumentAndWritesNothing() {
        MainTest.Result r = restore("--pgdata", dir.resolve("data").toString(), "--trust-times");
        assertEquals(2, r.code());
        assertOneLine(r);
        assertEquals("pgvault: --trust-times is for a delta restore: give --delta too", r.err().strip());
        assertFalse(Files.exists(dir.resolve("data")));
    }

    @Test
    void aDeltaTrustingTimesSaysHowManyFilesItJudgedOrWhyNone() throws Exception {
        Path pgdata = dir.resolve("data");
        assertEquals(0, restore("--pgdata", pgdata.toString()).code());

        MainTest.Result trusted = restore("--pgdata", pgdata.toString(), "--delta", "--trust-times");
        assertEquals(0, trusted.code(), trusted.err());
        assertTrue(trusted.out().contains("; 1 files judged by their size and times, not hashed\n"), trusted.out());

        MainTest.Result again = restore("--pgdata", pgdata.toString(), "--delta", "--trust-times"); // a delta's copy too
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("; 1 files judged by their size and times, not hashed\n"), again.out());

        Files.writeString(pgdata.resolve("PG_VERSION"), "16\n"); // written since: the one file is hashed
        MainTest.Result written = restore("--pgdata", pgdata.toString(), "--delta", "--trust-times");
        assertEquals(0, written.code(), written.err());
        assertTrue(written.out().contains("; 0 files judged by their size and times, not hashed\n"), written.out());

        Files.move(pgdata.resolve("backup_label"), pgdata.resolve("backup_label.old")); // as PostgreSQL does at its start
        // this backup holds no global/pg_control, which a started copy has, and a stopped delta deletes first
        MainTest.Result started = restore("--pgdata", pgdata.toString(), "--delta", "--trust-times");
        assertEquals(0, started.code(), started.err());
        assertTrue(started.out().contains("\ndelta: --trust-times took nothing on trust, every file was read: backup_label.old in "
                + pgdata.toAbsolutePath() + " is there but global/pg_control is not"), started.out());

        Files.delete(pgdata.resolve("backup_label")); // by hand: no label names the restore that wrote the files
        MainTest.Result read = restore("--pgdata", pgdata.toString(), "--delta", "--trust-times");
        assertEquals(0, read.code(), read.err());
        assertTrue(read.out().contains("\ndelta: --trust-times took nothing on trust, every file was read: no backup_label or"
                + " backup_label.old of a finished restore in " + pgdata.toAbsolutePath()), read.out());
    }

    @Test
    void theConfigurationMayAlsoBeNamedAfterTheCommand() throws Exception {
        Path pgdata = dir.resolve("data");
        MainTest.Result r = MainTest.run("restore", "--pgdata", pgdata.toString(), "--config", config.toString(), "--verbose");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(pgdata.resolve("PG_VERSION")));
        MainTest.Result missing = MainTest.run("info", "--config", dir.resolve("nowhere.yaml").toString());
        assertEquals(3, missing.code(), missing.err());
        assertTrue(missing.err().contains("nowhere.yaml"), missing.err());
    }

    @Test
    void twoTargetsAreABadArgument() {
        MainTest.Result r = restore("--pgdata", dir.resolve("data").toString(), "--target-time", "2026-11-26 04:00:00+00",
                "--target-xid", "1234");
        assertEquals(2, r.code());
        assertOneLine(r);
        assertEquals("pgvault: give at most one recovery target, not --target-time and --target-xid", r.err().strip());
        assertFalse(Files.exists(dir.resolve("data")));
    }

    @Test
    void aTimeBeforeTheFirstBackupIsRefusedWithExit1() {
        MainTest.Result r = restore("--pgdata", dir.resolve("data").toString(), "--target-time", "2026-11-26T03:15:59Z");
        assertEquals(1, r.code());
        assertOneLine(r);
        assertEquals("pgvault: no backup can reach recovery target time 2026-11-26 03:15:59+00: the earliest moment a"
                + " restore can reach is 2026-11-26 03:16:00+00, the end of the oldest backup, 20261126-031500F", r.err().strip());
        assertFalse(Files.exists(dir.resolve("data")));
    }

    @Test
    void anUnknownBackupIsRefusedWithExit1() {
        MainTest.Result r = restore("--pgdata", dir.resolve("data").toString(), "--backup", "20261127-000000F");
        assertEquals(1, r.code());
        assertOneLine(r);
        assertTrue(r.err().startsWith("pgvault: no backup '20261127-000000F' in stanza 'main'"), r.err());
    }

    @Test
    void aNonEmptyDirectoryIsRefusedWithExit2() throws Exception {
        Path pgdata = Files.createDirectory(dir.resolve("data"));
        Files.writeString(pgdata.resolve("keep"), "mine");
        MainTest.Result r = restore("--pgdata", pgdata.toString());
        assertEquals(2, r.code());
        assertOneLine(r);
        assertTrue(r.err().contains(pgdata + " is not empty"), r.err());
        assertEquals("mine", Files.readString(pgdata.resolve("keep")));
    }

    @Test
    void badTargetsAreOneLine() {
        for (String[] args : List.of(new String[] {"--target-time", "tomorrow"}, new String[] {"--target-lsn", "12"},
                new String[] {"--target-action", "promote"}, new String[] {"--target-immediate", "--target-exclusive"},
                new String[] {"--target-timeline", "0"})) {
            List<String> all = new java.util.ArrayList<>(List.of("--pgdata", dir.resolve("data").toString()));
            all.addAll(List.of(args));
            MainTest.Result r = restore(all.toArray(String[]::new));
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
            assertOneLine(r);
        }
        assertFalse(Files.exists(dir.resolve("data")));
    }
}
