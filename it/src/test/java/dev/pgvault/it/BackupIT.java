package dev.pgvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgvault.archiver.backup.FileEntry;
import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.archiver.backup.ManifestJson;
import java.io.ByteArrayInputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code pgvault backup} and {@code info} on PostgreSQL 15 with archive_command = pgvault: what a
 * user checks after a backup (the files on disk are in it, byte for byte; what PostgreSQL says to
 * skip is not), a corrupted page named, a backup killed half-way that leaves nothing listed, and
 * a second backup refused while one runs.
 */
@Concurrent
class BackupIT {
    private static final Pattern TEMP_RELATION = Pattern.compile("(^|/)t\\d+_\\d+");

    @BeforeAll
    static void needsPostgres() {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found in " + PgCluster.BIN);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestRepo.Kind.class)
    @Timeout(240)
    void backupsAreCompleteOrAbsent(TestRepo.Kind kind) throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(kind, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on", "archive_timeout = 0")) {
            Path config = repo.config("main", pg);
            String archiveCommand = dist.launcher() + " --config " + config + " archive-push %p";
            Files.writeString(pg.data.resolve("postgresql.auto.conf"), "archive_command = '" + archiveCommand + "'\n",
                    StandardOpenOption.APPEND);
            pg.start();
            dist.run(pgUser, config, "init").ok();

            String empty = dist.run(pgUser, config, "info", "--output", "json").ok().stdout();
            assertTrue(empty.contains("\"backups\" : [ ]"), empty);
            assertTrue(dist.run(pgUser, config, "info").ok().stdout().contains("backups: none yet"));

            pg.client("pgbench", "-i", "-s", "2", "-q", "postgres").ok();
            String quiet;
            String corrupt;
            String unlogged;
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE quiet AS SELECT g, md5(g::text) AS h FROM generate_series(1, 40000) g");
                st.execute("CREATE TABLE corrupt_me WITH (autovacuum_enabled = off) AS"
                        + " SELECT g, md5(g::text) AS h FROM generate_series(1, 2000) g");
                st.execute("CREATE UNLOGGED TABLE scratch AS SELECT g FROM generate_series(1, 1000) g");
                st.execute("VACUUM (FREEZE) quiet, corrupt_me");
                st.execute("CHECKPOINT");
                quiet = relationPath(st, "quiet");
                corrupt = relationPath(st, "corrupt_me");
                unlogged = relationPath(st, "scratch");
            }
            Path tempFile = pg.data.resolve("base/pgsql_tmp/pgsql_tmp99999.0");
            Proc.run(pgUser, List.of("sh", "-c", "mkdir -p " + tempFile.getParent() + " && echo spill > " + tempFile)).ok();

            // 1. A full backup while a session holds a temporary table.
            Manifest first;
            try (Connection holder = pg.connect(); Statement st = holder.createStatement()) {
                st.execute("CREATE TEMP TABLE held AS SELECT g FROM generate_series(1, 1000) g");
                assertTrue(onDisk(pg.data).stream().anyMatch(p -> TEMP_RELATION.matcher(p).find()), "a temp relation exists");
                Proc backup = dist.run(pgUser, config, "--verbose", "backup").ok();
                System.out.println(kind + ": " + backup.stdout().strip().replace('\n', ' ') + "\n" + backup.stderr());
                String id = backup.stdout().lines().findFirst().orElseThrow();
                assertTrue(id.matches("\\d{8}-\\d{6}F"), backup.stdout());
                assertTrue(backup.stdout().contains("full backup " + id + ": "), backup.stdout());
                assertTrue(backup.stdout().contains(" 0 bad pages"), backup.stdout());
                first = manifest(dist, pgUser, config, id);
            }
            assertEquals(1, first.timeline());
            assertTrue(first.pageChecksums());
            assertTrue(first.startLsn().compareTo(first.stopLsn()) <= 0);
            assertTrue(first.backupLabel().contains("LABEL: pgvault " + first.id()), first.backupLabel());
            List<String> wal = keys(dist, pgUser, config, "main/wal/");
            for (String segment : List.of(first.startWal(), first.stopWal())) {
                assertTrue(wal.stream().anyMatch(k -> k.endsWith("/" + segment)), "the manifest came after " + segment + ": " + wal);
            }
            Map<String, FileEntry> files = byPath(first);

            // Every file PostgreSQL last changed before the backup began is in it, byte for byte.
            int unchanged = 0;
            for (FileEntry f : first.files()) {
                Path disk = pg.data.resolve(f.path());
                if (Files.exists(disk) && Files.getLastModifiedTime(disk).toInstant().isBefore(first.startTime())) {
                    assertEquals(Files.size(disk), f.size(), f.path());
                    assertEquals(sha256(disk), f.sha256(), f.path());
                    unchanged++;
                }
            }
            assertTrue(unchanged > 500, "files compared with the disk: " + unchanged);
            for (String path : List.of(quiet, "PG_VERSION", "postgresql.conf", "pg_hba.conf", "base/1/1259")) {
                FileEntry f = files.get(path);
                assertTrue(f != null, path + " is in the backup");
                assertEquals(sha256(pg.data.resolve(path)), f.sha256(), path);
                assertEquals(Files.size(pg.data.resolve(path)), f.size(), path);
            }
            assertTrue(files.get(quiet).size() > 1024 * 1024, "the quiet table is an object of its own");
            assertEquals("data/" + quiet, files.get(quiet).object());

            // What PostgreSQL says a backup must skip is not there; the directories it needs are.
            for (String skipped : List.of("postmaster.pid", "postmaster.opts", "base/pgsql_tmp/pgsql_tmp99999.0",
                    "global/pg_internal.init", unlogged)) {
                assertFalse(files.containsKey(skipped), skipped + " must not be in the backup");
            }
            assertTrue(Files.exists(pg.data.resolve("global/pg_internal.init")), "the relcache file exists on disk");
            assertTrue(files.containsKey(unlogged + "_init"), "an unlogged table keeps its init fork");
            for (String path : files.keySet()) {
                assertFalse(path.startsWith("pg_wal/") || path.startsWith("pg_replslot/") || path.startsWith("pg_stat_tmp/")
                        || path.startsWith("pg_subtrans/") || path.startsWith("pg_notify/") || path.contains("pgsql_tmp")
                        || TEMP_RELATION.matcher(path).find(), path + " must not be in the backup");
            }
            Set<String> dirs = first.directories().stream().map(d -> d.path()).collect(Collectors.toSet());
            for (String dir : List.of("pg_wal", "pg_wal/archive_status", "pg_replslot", "pg_stat_tmp", "pg_subtrans",
                    "pg_notify", "pg_snapshots", "pg_tblspc", "base/5", "global", "pg_logical/snapshots")) {
                assertTrue(dirs.contains(dir), dir + " is kept as a directory");
            }

            String info = dist.run(pgUser, config, "info", "--output", "json").ok().stdout();
            assertTrue(info.contains("\"id\" : \"" + first.id() + "\""), info);
            assertTrue(info.contains("\"size_bytes\" : " + first.sizeBytes()), info);
            assertTrue(info.contains("\"stop_lsn\" : \"" + first.stopLsn() + "\""), info);
            assertTrue(info.contains("\"max\" : \"0000000"), info);
            String table = dist.run(pgUser, config, "info").ok().stdout();
            assertTrue(table.contains(first.id()) && table.contains("recoverable: from"), table);

            // 2. A byte flipped on disk in a table's page that PostgreSQL no longer touches.
            pg.stop();
            try (FileChannel ch = FileChannel.open(pg.data.resolve(corrupt), StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
                long at = 8192 + 5000;
                ch.read(b, at);
                b.put(0, (byte) (b.get(0) ^ 0x20)).rewind();
                ch.write(b, at);
            }
            pg.start();
            Proc corrupted = dist.run(pgUser, config, "backup").ok();
            System.out.println(kind + ": " + corrupted.stdout().strip().replace('\n', ' '));
            assertTrue(corrupted.stderr().contains("warning: " + corrupt + ": 1 page fails its checksum (block 1)"),
                    corrupted.stderr());
            assertTrue(corrupted.stdout().contains(" 1 bad page"), corrupted.stdout());
            String secondId = corrupted.stdout().lines().findFirst().orElseThrow();
            Manifest second = manifest(dist, pgUser, config, secondId);
            assertEquals(List.of(1L), byPath(second).get(corrupt).badPages());
            assertEquals(1, second.badPageCount());

            // 3. Archiving held back by a gate file, so that a backup is still running when we look
            // (it waits for its last WAL to be archived), however slow the machine.
            Path gate = repo.dir.resolve("archive-gate");
            Files.writeString(gate, "closed");
            String killedId;
            try {
                setArchiveCommand(pg, "while [ -e " + gate + " ]; do sleep 0.1; done; " + archiveCommand);
                Process running = start(pgUser, dist, config, "backup");
                killedId = awaitObjects(dist, pgUser, config, Set.of(first.id(), second.id()), running);
                assertNotEquals(secondId, killedId);

                Proc refused = dist.run(pgUser, config, "backup");
                assertTrue(running.isAlive(), "the first backup still runs while the second is refused");
                assertEquals(7, refused.exitCode(), refused.stdout() + refused.stderr());
                assertTrue(refused.stderr().contains("another backup or expire of the stanza is running") && refused.stderr().contains(".lock"),
                        refused.stderr());
                assertEquals(1, refused.stderr().strip().lines().count(), refused.stderr());

                killHard(running);
            } finally {
                Files.deleteIfExists(gate); // else PostgreSQL's archiver would wait forever, and its shutdown with it
            }
            List<String> left = keys(dist, pgUser, config, "main/backup/" + killedId + "/");
            assertFalse(left.isEmpty(), "the killed backup left objects");
            assertFalse(left.stream().anyMatch(k -> k.endsWith("backup.manifest")), "but no manifest: " + left);
            String afterKill = dist.run(pgUser, config, "info", "--output", "json").ok().stdout();
            assertFalse(afterKill.contains(killedId), afterKill);
            assertTrue(afterKill.contains(first.id()) && afterKill.contains(second.id()), afterKill);

            setArchiveCommand(pg, archiveCommand);
            Proc next = dist.run(pgUser, config, "backup").ok();
            System.out.println(kind + ": " + next.stdout().strip().replace('\n', ' '));
            String nextId = next.stdout().lines().findFirst().orElseThrow();
            manifest(dist, pgUser, config, nextId);

            // 4. WAL that never arrives: the backup waits --archive-timeout for it, then fails, unlisted.
            setArchiveCommand(pg, "false");
            long began = System.nanoTime();
            Proc stuck = dist.run(pgUser, config, "backup", "--archive-timeout", "3");
            assertEquals(5, stuck.exitCode(), stuck.stdout() + stuck.stderr());
            assertTrue(stuck.stderr().contains("which the backup needs, did not reach") && stuck.stderr().contains("within 3 s"),
                    stuck.stderr());
            assertTrue(System.nanoTime() - began < TimeUnit.SECONDS.toNanos(30), "the wait is bounded by --archive-timeout");
            String finalInfo = dist.run(pgUser, config, "info", "--output", "json").ok().stdout();
            List<String> ids = Pattern.compile("\"id\" : \"([^\"]+)\"").matcher(finalInfo).results()
                    .map(m -> m.group(1)).toList();
            assertEquals(List.of(first.id(), second.id(), nextId), ids, finalInfo);

            // The killed backup is a warning for verify, not an error; everything else checks out.
            Proc verified = dist.run(pgUser, config, "verify");
            assertEquals(0, verified.exitCode(), verified.stdout() + verified.stderr());
            assertTrue((verified.stdout() + verified.stderr()).contains(killedId), "the incomplete backup is named: "
                    + verified.stdout() + verified.stderr());

            if (kind == TestRepo.Kind.FS) {
                // One flipped byte in a stored object: verify names it and fails.
                Path objects = repo.dir.resolve("repo/main/backup/" + nextId + "/data");
                Path victim;
                try (var stored = java.nio.file.Files.walk(objects)) {
                    victim = stored.filter(java.nio.file.Files::isRegularFile).findFirst().orElseThrow();
                }
                byte[] bytes = java.nio.file.Files.readAllBytes(victim);
                bytes[bytes.length / 2] ^= 0x01;
                java.nio.file.Files.write(victim, bytes);
                String key = "data/" + objects.relativize(victim).toString();
                Proc bad = dist.run(pgUser, config, "verify");
                assertEquals(6, bad.exitCode(), bad.stdout() + bad.stderr());
                assertTrue((bad.stdout() + bad.stderr()).contains(key), "names " + key + ": " + bad.stdout() + bad.stderr());
            }
        }
    }

    private static String relationPath(Statement st, String table) throws Exception {
        try (ResultSet rs = st.executeQuery("SELECT pg_relation_filepath('" + table + "')")) {
            rs.next();
            return rs.getString(1);
        }
    }

    static void setArchiveCommand(PgCluster pg, String command) throws Exception {
        try (Connection c = pg.connect(); Statement st = c.createStatement()) {
            st.execute("ALTER SYSTEM SET archive_command = '" + command.replace("'", "''") + "'");
            st.execute("SELECT pg_reload_conf()");
        }
    }

    private static Manifest manifest(PgvaultDist dist, OsUser user, Path config, String id) throws Exception {
        Proc get = dist.run(user, config, "repo-get", "main/backup/" + id + "/backup.manifest").ok();
        Manifest m = ManifestJson.read(new ByteArrayInputStream(get.stdout().getBytes(StandardCharsets.UTF_8)));
        assertEquals(id, m.id());
        return m;
    }

    private static Map<String, FileEntry> byPath(Manifest m) {
        Map<String, FileEntry> files = new TreeMap<>();
        m.files().forEach(f -> files.put(f.path(), f));
        return files;
    }

    static List<String> keys(PgvaultDist dist, OsUser user, Path config, String prefix) {
        return dist.run(user, config, "repo-ls", prefix).ok().stdout().lines()
                .map(l -> l.strip().split("\\s+", 2)[1]).toList();
    }

    /** Waits until a backup other than {@code known} has objects in the repository; returns its id. */
    static String awaitObjects(PgvaultDist dist, OsUser user, Path config, Set<String> known, Process running)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            for (String key : keys(dist, user, config, "main/backup/")) {
                String id = key.substring("main/backup/".length()).split("/")[0];
                if (!known.contains(id)) {
                    return id;
                }
            }
            assertTrue(running.isAlive(), () -> "the backup ended before its objects were seen: exit " + running.exitValue());
            Thread.sleep(100);
        }
        throw new AssertionError("no objects of a new backup appeared in 60 s");
    }

    static Process start(OsUser user, PgvaultDist dist, Path config, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(dist.launcher().toString(), "--config", config.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(user.wrap(cmd)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** SIGKILL to the JVM itself, not only to runuser in front of it. */
    static void killHard(Process p) throws Exception {
        List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
        all.add(p.toHandle());
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle h : all) {
            h.onExit().get(30, TimeUnit.SECONDS);
        }
    }

    /** The regular files of a running cluster's data directory; one PostgreSQL removes meanwhile is skipped. */
    private static List<String> onDisk(Path data) throws Exception {
        List<String> files = new ArrayList<>();
        Files.walkFileTree(data, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path p, java.nio.file.attribute.BasicFileAttributes a) {
                if (a.isRegularFile()) {
                    files.add(data.relativize(p).toString());
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path p, IOException e) throws IOException {
                if (e instanceof java.nio.file.NoSuchFileException) {
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        return files;
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
