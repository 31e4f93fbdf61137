package dev.pgvault.it;

import static dev.pgvault.it.PointInTimeRecoveryIT.insert;
import static dev.pgvault.it.PointInTimeRecoveryIT.value;
import static dev.pgvault.it.RestoredCopy.awaitPromoted;
import static dev.pgvault.it.RestoredCopy.connect;
import static dev.pgvault.it.RestoredCopy.start;
import static dev.pgvault.it.RestoredCopy.stop;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code restore --delta} on real parts: a copy restored from a backup runs on (rows, a new table,
 * a new timeline) and is stopped; a delta restore of the same backup brings it back, and started it
 * holds exactly the backup's rows, keeping the files that had not changed. Refused while the copy
 * runs, with nothing changed.
 */
@Concurrent
class DeltaRestoreIT {
    @BeforeAll
    static void needsPostgres() {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found in " + PgCluster.BIN);
    }

    @Test
    @Timeout(600)
    void aStoppedCopyIsBroughtBackToTheBackupKeepingWhatDidNotChange() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        Path base = pgUser.newDirectory("pgvault-delta");
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on")) {
            Path config = repo.config("main", pg);
            Files.writeString(pg.data.resolve("postgresql.auto.conf"), "archive_command = '" + dist.launcher()
                    + " --config " + config + " archive-push %p'\n", StandardOpenOption.APPEND);
            pg.start();
            dist.run(pgUser, config, "init").ok();
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE story (id int PRIMARY KEY)");
                insert(st, 1, 100);
            }
            dist.run(pgUser, config, "backup").ok();

            Path copy = base.resolve("data");
            dist.run(pgUser, config, "restore", "--pgdata", copy.toString(), "--target-immediate", "--target-action",
                    "promote").ok();
            int port = PgCluster.freePort();
            start(pgUser, copy, port, base);
            try (Connection c = connect(port); Statement st = c.createStatement()) {
                awaitPromoted(st);
                assertEquals("100", value(st, "SELECT count(*) FROM story"));
                insert(st, 101, 5000);
                st.execute("CREATE TABLE extra AS SELECT g FROM generate_series(1, 10000) g");
                st.execute("CHECKPOINT");
            }
            Proc running = dist.run(pgUser, config, "restore", "--delta", "--pgdata", copy.toString());
            assertEquals(2, running.exitCode(), running.stderr());
            assertTrue(running.stderr().contains(") is running in " + copy + ": stop it before a delta restore; nothing"
                    + " was changed"), running.stderr());
            stop(pgUser, copy);

            Proc delta = dist.run(pgUser, config, "restore", "--delta", "--pgdata", copy.toString(), "--target-immediate",
                    "--target-action", "promote").ok();
            String kept = delta.stdout().lines().filter(l -> l.startsWith("delta: ")).findFirst().orElseThrow(
                    () -> new AssertionError("no delta line in: " + delta.stdout()));
            int keptFiles = Integer.parseInt(kept.split(" ")[1]);
            assertTrue(keptFiles > 700, "most of the ~980 files of a small cluster do not change: " + kept);

            start(pgUser, copy, port, base);
            try (Connection c = connect(port); Statement st = c.createStatement()) {
                awaitPromoted(st);
                assertEquals("100 1 100", value(st, "SELECT count(*) || ' ' || min(id) || ' ' || max(id) FROM story"));
                assertEquals("0", value(st, "SELECT count(*) FROM pg_class WHERE relname = 'extra'"));
            } finally {
                stop(pgUser, copy);
            }
            Proc checksums = Proc.run(pgUser, List.of(PgCluster.BIN.resolve("pg_checksums").toString(), "--check", "-D",
                    copy.toString()));
            assertEquals(0, checksums.exitCode(), checksums.stdout() + checksums.stderr());
            System.out.println("delta restore: " + kept);
        } finally {
            PgvaultDist.deleteTree(base);
        }
    }
}
