package dev.pgvault.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgvault.storage.BlobStore;
import dev.pgvault.storage.BlobWriter;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * PostgreSQL 15 with archive_command = pgvault archive-push: everything it archives comes back
 * byte-identical through archive-get, and the refusals a user relies on hold.
 */
@Concurrent
class WalArchivingIT {

    @BeforeAll
    static void needsPostgres() {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found in " + PgCluster.BIN);
    }

    static Stream<Arguments> repositories() {
        return Stream.of(
                Arguments.of(TestRepo.Kind.FS, false),
                Arguments.of(TestRepo.Kind.FS, true),
                Arguments.of(TestRepo.Kind.S3, false),
                Arguments.of(TestRepo.Kind.S3, true));
    }

    @ParameterizedTest(name = "{0} encrypted={1}")
    @MethodSource("repositories")
    @Timeout(300)
    void archivedWalComesBackByteIdentical(TestRepo.Kind kind, boolean encrypted) throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(kind, encrypted, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on", "wal_keep_size = 1GB",
                        "archive_timeout = 0")) {
            Path config = repo.config("main", pg);
            Files.writeString(pg.data.resolve("postgresql.auto.conf"), "archive_command = '" + dist.launcher()
                    + " --config " + config + " archive-push %p'\n", java.nio.file.StandardOpenOption.APPEND);
            pg.start();

            Proc init = dist.run(pgUser, config, "init").ok();
            assertTrue(init.stdout().contains("initialized stanza 'main'"), init.stdout());
            Proc again = dist.run(pgUser, config, "init").ok();
            assertTrue(again.stdout().contains("already initialized"), again.stdout());

            pg.client("pgbench", "-i", "-s", "2", "-q", "postgres").ok();
            String last;
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE t AS SELECT g FROM generate_series(1, 100000) g");
                last = switchWal(st);
                st.execute("INSERT INTO t SELECT g FROM generate_series(1, 1000) g");
                last = switchWal(st);
                waitArchived(st, last, pg);
            }

            List<String> archived = archivedNames(pg.data);
            assertTrue(archived.size() >= 3, "segments archived: " + archived);
            Path fetched = pgUser.newDirectory("pgvault-fetch");
            try {
                for (String name : archived) {
                    Path dest = fetched.resolve("RECOVERYXLOG");
                    dist.run(pgUser, config, "archive-get", name, dest.toString()).ok();
                    assertArrayEquals(Files.readAllBytes(pg.data.resolve("pg_wal").resolve(name)),
                            Files.readAllBytes(dest), name + " differs after archive-get");
                }
                try (Stream<Path> left = Files.list(fetched)) {
                    assertEquals(List.of("RECOVERYXLOG"), left.map(p -> p.getFileName().toString()).toList(),
                            "archive-get leaves no temporary file");
                }

                // Two intact segments stored under each other's names: archive-get refuses each
                // (126, so recovery stops instead of ending early) and verify names both.
                String a = archived.get(0);
                String b = archived.get(1);
                String keyA = "main/wal/" + a.substring(0, 16) + "/" + a;
                String keyB = "main/wal/" + b.substring(0, 16) + "/" + b;
                try (BlobStore blobs = repo.blobs()) {
                    swap(blobs, keyA, keyB);
                    Path swapped = fetched.resolve("swapped");
                    Proc refused = dist.run(pgUser, config, "archive-get", a, swapped.toString());
                    assertEquals(126, refused.exitCode(), refused.stderr());
                    assertTrue(refused.stderr().contains("object under " + keyA + " was written as " + keyB)
                            && refused.stderr().contains("moved or swapped"), refused.stderr());
                    assertEquals(1, refused.stderr().strip().lines().count(), refused.stderr());
                    assertFalse(Files.exists(swapped));
                    Proc verify = dist.run(pgUser, config, "verify");
                    assertEquals(6, verify.exitCode(), verify.stdout() + verify.stderr());
                    assertTrue(verify.stdout().contains("WAL file " + a) && verify.stdout().contains("WAL file " + b),
                            verify.stdout());
                    swap(blobs, keyA, keyB);
                }
                dist.run(pgUser, config, "verify").ok();

                String segment = archived.get(archived.size() - 1);
                Path copy = fetched.resolve(segment);
                Files.copy(pg.data.resolve("pg_wal").resolve(segment), copy);
                pgUser.own(copy);

                // PostgreSQL retried a push that had succeeded: a success, with a warning.
                Proc dup = dist.run(pgUser, config, "archive-push", copy.toString());
                assertEquals(0, dup.exitCode(), dup.stderr());
                assertTrue(dup.stderr().contains("already archived with the same content"), dup.stderr());

                // Different bytes under a stored name: refused, the stored object unchanged.
                byte[] changed = Files.readAllBytes(copy);
                changed[changed.length / 2] ^= 0x5A;
                Files.write(copy, changed);
                Proc conflict = dist.run(pgUser, config, "archive-push", copy.toString());
                assertEquals(7, conflict.exitCode(), conflict.stderr());
                assertTrue(conflict.stderr().contains(segment + " is already in"), conflict.stderr());
                assertTrue(conflict.stderr().contains("different content"), conflict.stderr());
                assertEquals(1, conflict.stderr().strip().lines().count(), conflict.stderr());
                Path back = fetched.resolve("back");
                dist.run(pgUser, config, "archive-get", segment, back.toString()).ok();
                assertArrayEquals(Files.readAllBytes(pg.data.resolve("pg_wal").resolve(segment)),
                        Files.readAllBytes(back));

                // A segment PostgreSQL asks for that was never archived: exit 1, nothing written.
                Path missingDest = fetched.resolve("missing");
                Proc missing = dist.run(pgUser, config, "archive-get", "000000010000009900000042", missingDest.toString());
                assertEquals(1, missing.exitCode(), missing.stderr());
                assertTrue(missing.stderr().strip().lines().count() <= 1, missing.stderr());
                assertFalse(Files.exists(missingDest));
                Proc history = dist.run(pgUser, config, "archive-get", "00000002.history", missingDest.toString());
                assertEquals(1, history.exitCode(), history.stderr());

                // Names that are not WAL file names: refused before anything is read or written.
                for (String bad : List.of("../../etc/passwd", "pg_wal/000000010000000000000001", "00000001000000000000001",
                        "00000000.history", "000000010000000000000001.tmp")) {
                    Proc refused = dist.run(pgUser, config, "archive-get", bad, missingDest.toString());
                    assertEquals(126, refused.exitCode(), bad + ": " + refused.stderr());
                    assertTrue(refused.stderr().contains("not a WAL file name") || refused.stderr().contains("timeline 0"),
                            refused.stderr());
                    assertFalse(Files.exists(missingDest));
                }
                Path notWal = fetched.resolve("postgresql.conf");
                Files.writeString(notWal, "x");
                pgUser.own(notWal);
                Proc refusedPush = dist.run(pgUser, config, "archive-push", notWal.toString());
                assertEquals(2, refusedPush.exitCode(), refusedPush.stderr());
                assertTrue(refusedPush.stderr().contains("not a WAL file name: 'postgresql.conf'"), refusedPush.stderr());

                // A wrong passphrase never yields bytes.
                if (encrypted) {
                    Path pass = repo.dir.resolve("passphrase");
                    String good = Files.readString(pass);
                    Files.writeString(pass, "wrong passphrase\n");
                    Path wrongDest = fetched.resolve("wrong");
                    Proc wrong = dist.run(pgUser, config, "archive-get", segment, wrongDest.toString());
                    Files.writeString(pass, good);
                    assertEquals(126, wrong.exitCode(), "a failure other than not-found stops recovery: " + wrong.stderr());
                    assertTrue(wrong.stderr().contains("wrong passphrase"), wrong.stderr());
                    assertFalse(Files.exists(wrongDest));
                    assertFalse(wrong.stderr().contains("wrong passphrase\n"), wrong.stderr());
                }

                Proc check = dist.run(pgUser, config, "check").ok();
                assertTrue(check.stdout().contains("WAL archiving: ok"), check.stdout());
            } finally {
                PgvaultDist.deleteTree(fetched);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fsOnly")
    @Timeout(300)
    void foreignSegmentsAndUnarchivedClustersAreRefused(TestRepo.Kind kind) throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(kind, false, pgUser);
                PgCluster first = PgCluster.create();
                PgCluster other = PgCluster.create()) {
            first.start();
            other.start();
            Path config = repo.config("main", first);
            dist.run(pgUser, config, "init").ok();

            // A segment written by another cluster (another system identifier).
            String foreign;
            try (Connection c = other.connect(); Statement st = c.createStatement()) {
                foreign = switchWal(st);
            }
            Path copyDir = pgUser.newDirectory("pgvault-foreign");
            try {
                Path copy = copyDir.resolve(foreign);
                Files.copy(other.data.resolve("pg_wal").resolve(foreign), copy);
                pgUser.own(copy);
                Proc refused = dist.run(pgUser, config, "archive-push", copy.toString());
                assertEquals(7, refused.exitCode(), refused.stderr());
                assertTrue(refused.stderr().contains(foreign + " belongs to another cluster"), refused.stderr());
                Proc notThere = dist.run(pgUser, config, "archive-get", foreign, copyDir.resolve("x").toString());
                assertEquals(1, notThere.exitCode(), "the refused segment was not stored: " + notThere.stderr());
            } finally {
                PgvaultDist.deleteTree(copyDir);
            }

            // The other cluster's init under the same stanza: refused by name.
            Path otherConfig = repo.config("main-other", other);
            Files.writeString(otherConfig, Files.readString(otherConfig).replace("stanza: main-other", "stanza: main"));
            Proc clash = dist.run(pgUser, otherConfig, "init");
            assertEquals(7, clash.exitCode(), clash.stderr());
            assertTrue(clash.stderr().contains("stanza 'main'") && clash.stderr().contains("belongs to another cluster"),
                    clash.stderr());

            // check fails, saying why, on a cluster whose archive_command is not pgvault's.
            Proc check = dist.run(pgUser, config, "check");
            assertEquals(5, check.exitCode(), check.stdout() + check.stderr());
            assertTrue(check.stderr().contains("archive_mode is off")
                    || check.stderr().contains("archive_command does not call pgvault"), check.stderr());

            // Pushing before init names the fix.
            Path uninit = repo.config("nostanza", first);
            Proc before = dist.run(pgUser, uninit, "archive-push", first.data.resolve("pg_wal/000000010000000000000001").toString());
            assertEquals(4, before.exitCode(), before.stderr());
            assertTrue(before.stderr().contains("run 'pgvault init'"), before.stderr());
        }
    }

    static Stream<Arguments> fsOnly() {
        return Stream.of(Arguments.of(TestRepo.Kind.FS));
    }

    static String switchWal(Statement st) throws Exception {
        st.execute("SELECT txid_current()");
        try (ResultSet rs = st.executeQuery("SELECT pg_walfile_name(pg_switch_wal())")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Exchanges the stored bytes of two objects, each left intact. */
    private static void swap(BlobStore blobs, String keyA, String keyB) throws Exception {
        byte[] x;
        byte[] y;
        try (InputStream in = blobs.get(keyA)) {
            x = in.readAllBytes();
        }
        try (InputStream in = blobs.get(keyB)) {
            y = in.readAllBytes();
        }
        blobs.put(keyA, BlobWriter.of(y));
        blobs.put(keyB, BlobWriter.of(x));
    }

    static void waitArchived(Statement st, String segment, PgCluster pg) throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            try (ResultSet rs = st.executeQuery("SELECT last_archived_wal, last_failed_wal FROM pg_stat_archiver")) {
                rs.next();
                String done = rs.getString(1);
                if (done != null && done.compareTo(segment) >= 0) {
                    return;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError(segment + " not archived in time; server log:\n" + pg.serverLog());
    }

    /** The WAL files PostgreSQL has marked as archived. */
    static List<String> archivedNames(Path data) throws Exception {
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(data.resolve("pg_wal/archive_status"))) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".done"))
                    .map(n -> n.substring(0, n.length() - ".done".length()))
                    .filter(n -> n.length() == 24).sorted().forEach(names::add);
        }
        return names;
    }
}
