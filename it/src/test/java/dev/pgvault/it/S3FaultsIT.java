package dev.pgvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgvault.storage.s3.FaultyProxy;
import dev.pgvault.storage.s3.FaultyProxy.Fault;
import dev.pgvault.storage.trials.Trials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded S3 faults (issue 10): WAL archiving, a full backup and a restore in place of a lost
 * server, all through a proxy in front of S3Proxy that fails a share of requests (default 10%)
 * with 500, 503, a reset connection, a response cut mid-body or one 2 s late. Each command either succeeds or
 * fails with one line and nothing listed or startable that is not whole; a failed one is run
 * again. The restored server holds exactly the source's rows. Responses are cut only where the
 * server acting twice does no harm (see {@link FaultyProxy.Request#safeToRepeat}); a request
 * that is not gets a 503 instead. {@code -Dpgvault.trials.s3=N} cycles (default 1), {@code
 * -Dpgvault.trials.s3-fault-rate=R}, {@code -Dpgvault.trials.s3-scale=N} (pgbench scale, default
 * 3), {@code -Dpgvault.trials.seed=S}.
 */
@Concurrent
class S3FaultsIT {
    private static final Fault[] FAULTS = {Fault.ERROR_500, Fault.ERROR_503, Fault.DROP, Fault.CUT, Fault.SLOW};

    @BeforeAll
    static void needsPostgres() {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found in " + PgCluster.BIN);
    }

    @Test
    @Timeout(1800)
    void backupArchivingAndRestoreRideOutFailingRequests() throws Exception {
        Trials trials = Trials.of("s3 faults", "pgvault.trials.s3", 1);
        double rate = Double.parseDouble(System.getProperty("pgvault.trials.s3-fault-rate", "0.10"));
        Random random = trials.random();
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        List<String> outcomes = new ArrayList<>();
        for (int trial = 0; trial < trials.count(); trial++) {
            String what = trials.trial(trial);
            try (TestRepo repo = TestRepo.create(TestRepo.Kind.S3, trial % 2 == 0, pgUser);
                    FaultyProxy proxy = new FaultyProxy(TestRepo.s3().port(), r -> Fault.FORWARD);
                    PgCluster pg = PgCluster.create("archive_mode = on", "archive_timeout = 0")) {
                Path direct = repo.config("main", pg);
                Path faulty = Files.writeString(pg.base.resolve("faulty.yaml"), Files.readString(direct)
                        .replace("endpoint: " + TestRepo.s3().uri(), "endpoint: " + proxy.uri()));
                pgUser.own(faulty);
                Files.writeString(pg.data.resolve("postgresql.auto.conf"), "archive_command = '" + dist.launcher()
                        + " --config " + faulty + " archive-push %p'\n", StandardOpenOption.APPEND);
                pg.start();
                dist.run(pgUser, direct, "init").ok();
                pg.client("pgbench", "-i", "-s", Integer.getInteger("pgvault.trials.s3-scale", 3).toString(), "-q", "postgres").ok();
                proxy.plan(r -> {
                    synchronized (random) {
                        if (random.nextDouble() >= rate) {
                            return Fault.FORWARD;
                        }
                        Fault f = FAULTS[random.nextInt(FAULTS.length)];
                        return f == Fault.CUT && !r.safeToRepeat() ? Fault.ERROR_503 : f;
                    }
                });

                int backupTries = untilItSucceeds(what + " backup", dist, pgUser, faulty, direct, "backup");
                String expected;
                try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                    st.execute("CREATE TABLE after_backup AS SELECT g FROM generate_series(1, 5000) g");
                    pg.client("pgbench", "-t", "300", "-c", "2", "postgres").ok();
                    expected = PointInTimeRecoveryIT.value(st, "SELECT (SELECT sum(abalance) FROM pgbench_accounts) || '/'"
                            + " || (SELECT count(*) FROM pgbench_history) || '/' || (SELECT count(*) FROM after_backup)");
                    WalArchivingIT.waitArchived(st, PointInTimeRecoveryIT.value(st, "SELECT pg_walfile_name(pg_switch_wal())"), pg);
                }
                pg.stop();
                PgvaultDist.deleteTree(pg.data);
                int restoreTries = 0;
                Proc restore;
                do {
                    restoreTries++;
                    restore = dist.run(pgUser, faulty, "restore", "--pgdata", pg.data.toString());
                    if (restore.exitCode() != 0) {
                        assertEquals(1, restore.stderr().strip().lines().count(), what + ": " + restore.stderr());
                        assertFalse(Files.exists(pg.data.resolve("recovery.signal")), what + ": a failed restore is not startable");
                        PgvaultDist.deleteTree(pg.data);
                    }
                } while (restore.exitCode() != 0 && restoreTries < 5);
                assertEquals(0, restore.exitCode(), what + ": restore " + restore.stderr());
                pg.start(); // recovery's archive-get calls go through the faulty proxy too
                String rows = awaitPromoted(pg);
                assertEquals(expected, rows, what + ": the restored server's rows\n" + pg.serverLog());
                dist.run(pgUser, direct, "verify").ok();
                outcomes.add(what + (repo.encrypted ? " encrypted" : " plain") + ": " + proxy.faults() + " faults in " + proxy.requests()
                        + " requests; backup " + (backupTries == 1 ? "first try" : "after " + backupTries + " tries")
                        + ", restore " + (restoreTries == 1 ? "first try" : "after " + restoreTries + " tries") + ", rows exact");
            }
        }
        outcomes.forEach(System.out::println);
    }

    /** Runs {@code args} through the faulty proxy until it succeeds (at most 5 times); a failure must be clean. */
    private static int untilItSucceeds(String what, PgvaultDist dist, OsUser user, Path faulty, Path direct, String... args)
            throws Exception {
        for (int tries = 1; tries <= 5; tries++) {
            Proc p = dist.run(user, faulty, args);
            if (p.exitCode() == 0) {
                return tries;
            }
            System.out.println(what + " failed (" + tries + "): " + p.stderr().strip());
            assertEquals(1, p.stderr().strip().lines().count(), what + ": " + p.stderr());
            assertFalse(p.stderr().contains("Exception"), what + ": " + p.stderr());
            Proc verify = dist.run(user, direct, "verify");
            assertEquals(0, verify.exitCode(), what + ": nothing half-written is listed: " + verify.stdout() + verify.stderr());
        }
        throw new AssertionError(what + ": failed 5 times");
    }

    private static String awaitPromoted(PgCluster pg) throws Exception {
        long deadline = System.currentTimeMillis() + 180_000;
        while (System.currentTimeMillis() < deadline) {
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                if (PointInTimeRecoveryIT.value(st, "SELECT pg_is_in_recovery()::text").equals("false")) {
                    return PointInTimeRecoveryIT.value(st, "SELECT (SELECT sum(abalance) FROM pgbench_accounts) || '/'"
                            + " || (SELECT count(*) FROM pgbench_history) || '/' || (SELECT count(*) FROM after_backup)");
                }
            } catch (java.sql.SQLException e) {
                // starting up
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the restored server did not finish recovery in 180 s\n" + pg.serverLog());
    }
}
