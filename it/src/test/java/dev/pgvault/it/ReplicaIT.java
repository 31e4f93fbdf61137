package dev.pgvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * pgvault replica create on real PostgreSQL 15: a primary archiving through pgvault, a backup,
 * then the primary moves on until the backup's WAL is gone from its pg_wal, and keeps writing
 * (pgbench and a row every few milliseconds) while the standby is built with a slot it creates,
 * a password it must keep out of postgresql.auto.conf, and --start. The standby must replay from
 * the archive, reach streaming, and hold every row the primary wrote.
 */
@Concurrent
class ReplicaIT {
    /** ':' and '\' need escaping in a passfile, the quote in the connection string. */
    static final String PASSWORD = "rep:pa'ss\\word";

    @BeforeAll
    static void needsPostgres() {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found in " + PgCluster.BIN);
    }

    @Test
    @Timeout(900)
    void standbyBuiltFromTheRepositoryCatchesUpFromTheArchiveAndStreams() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        Path standbyBase = pgUser.newDirectory("pgvault-standby");
        Path standby = standbyBase.resolve("data");
        Process pgbench = null;
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster primary = PgCluster.create("archive_mode = on", "max_wal_size = 64MB", "min_wal_size = 32MB")) {
            Path config = repo.config("main", primary);
            Files.writeString(primary.data.resolve("postgresql.auto.conf"), "archive_command = '" + dist.launcher()
                    + " --config " + config + " archive-push %p'\n", StandardOpenOption.APPEND);
            // The replication user needs its password: scram for it, trust for the tests' postgres user.
            Path hba = primary.data.resolve("pg_hba.conf");
            Files.writeString(hba, "host replication replicator 127.0.0.1/32 scram-sha-256\n"
                    + "host all replicator 127.0.0.1/32 scram-sha-256\n" + Files.readString(hba));
            primary.start();
            dist.run(pgUser, config, "init").ok();
            primary.client("pgbench", "-i", "-s", "2", "-q", "postgres").ok();

            String afterBackupSegment;
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE ROLE replicator WITH LOGIN REPLICATION PASSWORD '" + PASSWORD.replace("'", "''") + "'");
                st.execute("CREATE TABLE marks (id bigserial PRIMARY KEY, phase text NOT NULL)");
                st.execute("INSERT INTO marks (phase) SELECT 'before' FROM generate_series(1, 100)");
                dist.run(pgUser, config, "backup").ok();
                afterBackupSegment = value(st, "SELECT pg_walfile_name(pg_current_wal_lsn())");
                st.execute("INSERT INTO marks (phase) SELECT 'after-backup' FROM generate_series(1, 100)");
                primary.client("pgbench", "-n", "-c", "2", "-T", "3", "postgres").ok();
                movePast(st, afterBackupSegment, primary);
            }

            // The primary keeps writing while the standby is built and catches up.
            pgbench = primary.startPgbench();
            AtomicLong lastMark = new AtomicLong();
            AtomicReference<Throwable> writerFailure = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                    while (!Thread.currentThread().isInterrupted()) {
                        lastMark.set(Long.parseLong(value(st, "INSERT INTO marks (phase) VALUES ('during') RETURNING id")));
                        Thread.sleep(10);
                    }
                } catch (InterruptedException e) {
                    // done
                } catch (Throwable t) {
                    writerFailure.set(t);
                }
            }, "marks-writer");
            writer.start();
            Thread.sleep(500);

            int standbyPort = PgCluster.freePort();
            String conninfo = "host=127.0.0.1 port=" + primary.port + " user=replicator application_name=replica_it"
                    + " password='" + PASSWORD.replace("\\", "\\\\").replace("'", "\\'") + "'";
            Proc created = dist.run(pgUser, config, "replica", "create", "--pgdata", standby.toString(),
                    "--primary-conninfo", conninfo, "--slot", "replica_it", "--create-slot", "--port",
                    String.valueOf(standbyPort), "--start");
            String standbyLog = standby.resolve("log/pgvault-start.log").toString();
            assertEquals(0, created.exitCode(), created.stdout() + created.stderr() + "\n" + read(Path.of(standbyLog)));
            assertTrue(created.stdout().contains("slot: replica_it, created on the primary"), created.stdout());
            assertTrue(created.stdout().contains("started: PostgreSQL accepts connections"), created.stdout());
            assertFalse(created.stdout().contains("pa'ss") || created.stderr().contains("pa'ss"), "the password is never printed");
            Thread.sleep(1000); // rows written while the standby already runs

            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                waitFor(120, () -> "streaming".equals(valueOrNull(st,
                        "SELECT state FROM pg_stat_replication WHERE application_name = 'replica_it'")),
                        () -> "standby never streamed; its log:\n" + read(Path.of(standbyLog)));
                assertEquals("physical true", value(st, "SELECT slot_type || ' ' || active FROM pg_replication_slots"
                        + " WHERE slot_name = 'replica_it'"));
                assertEquals("replica_it", value(st, "SELECT s.slot_name FROM pg_replication_slots s"
                        + " JOIN pg_stat_replication r ON r.pid = s.active_pid WHERE r.application_name = 'replica_it'"));
            }
            writer.interrupt();
            writer.join(10_000);
            assertFalse(writer.isAlive(), "the writer stopped, so that its last mark and the row count agree");
            assertEquals(null, writerFailure.get());
            // the standby was built and caught up under load; the checks below need no more of it
            // and on two cores an unthrottled pgbench would only slow the standby's replay
            pgbench.destroy();
            pgbench.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
            long last = lastMark.get();
            long primaryRows;
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                primaryRows = Long.parseLong(value(st, "SELECT count(*) FROM marks"));
            }

            try (Connection c = connect(standbyPort); Statement st = c.createStatement()) {
                assertEquals("t", value(st, "SELECT pg_is_in_recovery()"));
                waitFor(60, () -> Long.parseLong(value(st, "SELECT count(*) FROM marks WHERE id <= " + last)) == primaryRows,
                        () -> "standby lacks rows; its log:\n" + read(Path.of(standbyLog)));
                assertEquals("100", value(st, "SELECT count(*) FROM marks WHERE phase = 'before'"));
                assertEquals("100", value(st, "SELECT count(*) FROM marks WHERE phase = 'after-backup'"));
                assertTrue(Long.parseLong(value(st, "SELECT count(*) FROM marks WHERE phase = 'during'")) > 10);
                assertEquals("t", value(st, "SELECT pg_is_in_recovery()"));
                String shown = value(st, "SHOW primary_conninfo");
                assertFalse(shown.contains("rep:pa") || shown.contains("password"), shown);
                assertTrue(shown.contains("passfile='" + standby.resolve("pgvault.pgpass") + "'"), shown);
            }
            String log = read(Path.of(standbyLog));
            assertTrue(log.contains("restored log file"), "WAL came from the archive:\n" + log);
            assertTrue(log.contains("started streaming WAL from primary"), log);

            // What is on disk: standby.signal, no recovery target, no password but in the 0600 passfile.
            assertTrue(Files.exists(standby.resolve("standby.signal")));
            assertFalse(Files.exists(standby.resolve("recovery.signal")));
            String auto = Files.readString(standby.resolve("postgresql.auto.conf"));
            assertFalse(auto.contains("pa'ss") || auto.contains("pa''ss") || auto.contains("password"), auto);
            assertFalse(auto.lines().anyMatch(l -> l.matches("recovery_target(_time|_lsn|_xid|_name|_action)? *=.*")), auto);
            assertTrue(auto.contains("\nrecovery_target_timeline = 'latest'\n"), auto);
            assertTrue(auto.contains("\nprimary_slot_name = 'replica_it'\n"), auto);
            Path passfile = standby.resolve("pgvault.pgpass");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(passfile)));
            assertEquals(pgUser.name(), Files.getOwner(passfile).getName());

            // The slot is in use: a second replica asking for it is refused before anything is written.
            Path second = standbyBase.resolve("second");
            Proc taken = dist.run(pgUser, config, "replica", "create", "--pgdata", second.toString(), "--primary-conninfo",
                    conninfo, "--slot", "replica_it", "--create-slot");
            assertEquals(7, taken.exitCode(), taken.stderr());
            assertTrue(taken.stderr().contains("replica_it") && taken.stderr().contains("in use"), taken.stderr());
            assertFalse(Files.exists(second));

            // A non-empty directory: refused, untouched, and no slot made on the primary.
            Path busy = pgUser.newDirectory("pgvault-busy");
            try {
                Path marker = busy.resolve("keep.me");
                Files.writeString(marker, "precious");
                Proc refused = dist.run(pgUser, config, "replica", "create", "--pgdata", busy.toString(),
                        "--primary-conninfo", conninfo, "--slot", "replica_busy", "--create-slot");
                assertEquals(2, refused.exitCode(), refused.stderr());
                assertTrue(refused.stderr().contains(busy + " is not empty"), refused.stderr());
                assertEquals(1, refused.stderr().strip().lines().count(), refused.stderr());
                try (Stream<Path> left = Files.list(busy)) {
                    assertEquals(List.of(marker), left.toList());
                }
                assertEquals("precious", Files.readString(marker));
                try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                    assertEquals("0", value(st, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'replica_busy'"));
                }
            } finally {
                PgvaultDist.deleteTree(busy);
            }

            // Reseeding the standby in place: --delta is refused while it runs; stopped, with a stray
            // file in it, it is brought back to the backup, keeping what already matched, and streams again.
            Proc running = dist.run(pgUser, config, "replica", "create", "--delta", "--pgdata", standby.toString(),
                    "--primary-conninfo", conninfo, "--slot", "replica_it");
            assertEquals(2, running.exitCode(), running.stderr());
            assertTrue(running.stderr().contains("stop it before a delta restore"), running.stderr());
            Proc.run(pgUser, List.of(PgCluster.BIN.resolve("pg_ctl").toString(), "-D", standby.toString(), "-m", "fast", "-w",
                    "stop")).ok();
            Path stray = standby.resolve("base/stray-file");
            Files.writeString(stray, "not from the backup");
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO marks (phase) SELECT 'while-reseeded' FROM generate_series(1, 50)");
            }
            Proc reseeded = dist.run(pgUser, config, "replica", "create", "--delta", "--pgdata", standby.toString(),
                    "--primary-conninfo", conninfo, "--slot", "replica_it", "--create-slot", "--port",
                    String.valueOf(standbyPort), "--start");
            assertEquals(0, reseeded.exitCode(), reseeded.stdout() + reseeded.stderr() + "\n" + read(Path.of(standbyLog)));
            String deltaLine = reseeded.stdout().lines().filter(l -> l.startsWith("delta: ")).findFirst().orElseThrow(
                    () -> new AssertionError("no delta line: " + reseeded.stdout()));
            assertTrue(Integer.parseInt(deltaLine.split(" ")[1]) > 500, "most files kept: " + deltaLine);
            assertTrue(reseeded.stdout().contains("slot: replica_it, already on the primary (physical, not in use): reused"),
                    reseeded.stdout());
            assertFalse(Files.exists(stray), "what the backup does not hold is removed");
            try (Connection c = connect(standbyPort); Statement st = c.createStatement()) {
                assertEquals("t", value(st, "SELECT pg_is_in_recovery()"));
                waitFor(120, () -> "50".equals(value(st, "SELECT count(*) FROM marks WHERE phase = 'while-reseeded'")),
                        () -> "the reseeded standby lacks rows; its log:\n" + read(Path.of(standbyLog)));
            }
            System.out.println("replica create --delta: " + deltaLine);

            // Reseeding it again with --trust-times: it ran since the reseed (PostgreSQL renamed the
            // reseed's backup_label to backup_label.old), and the files replay has not written to
            // since are judged by their size and times, not read.
            Proc.run(pgUser, List.of(PgCluster.BIN.resolve("pg_ctl").toString(), "-D", standby.toString(), "-m", "fast", "-w",
                    "stop")).ok();
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO marks (phase) SELECT 'while-reseeded-again' FROM generate_series(1, 60)");
            }
            Proc trusting = dist.run(pgUser, config, "replica", "create", "--delta", "--trust-times", "--pgdata",
                    standby.toString(), "--primary-conninfo", conninfo, "--slot", "replica_it", "--port",
                    String.valueOf(standbyPort), "--start");
            assertEquals(0, trusting.exitCode(), trusting.stdout() + trusting.stderr() + "\n" + read(Path.of(standbyLog)));
            String trustLine = trusting.stdout().lines().filter(l -> l.startsWith("delta: ")).findFirst().orElseThrow(
                    () -> new AssertionError("no delta line: " + trusting.stdout()));
            java.util.regex.Matcher judged = java.util.regex.Pattern.compile("; (\\d+) files judged by their size and times,"
                    + " not hashed$").matcher(trustLine);
            assertTrue(judged.find(), trustLine);
            assertTrue(Integer.parseInt(judged.group(1)) > 300, "the files replay did not write to are judged: " + trustLine);
            try (Connection c = connect(standbyPort); Statement st = c.createStatement()) {
                assertEquals("t", value(st, "SELECT pg_is_in_recovery()"));
                waitFor(120, () -> "60".equals(value(st, "SELECT count(*) FROM marks WHERE phase = 'while-reseeded-again'")),
                        () -> "the standby reseeded trusting times lacks rows; its log:\n" + read(Path.of(standbyLog)));
            }
            System.out.println("replica create --delta --trust-times: " + trustLine);
        } finally {
            if (pgbench != null) {
                pgbench.destroy();
            }
            Proc.run(pgUser, List.of(PgCluster.BIN.resolve("pg_ctl").toString(), "-D", standby.toString(), "-m", "immediate",
                    "stop"));
            PgvaultDist.deleteTree(standbyBase);
        }
    }

    /** Switches and checkpoints until {@code segment} is archived and gone from the primary's pg_wal. */
    static void movePast(Statement st, String segment, PgCluster pg) throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        while (true) {
            String switched = value(st, "SELECT pg_walfile_name(pg_switch_wal())");
            WalArchivingIT.waitArchived(st, switched, pg);
            st.execute("CHECKPOINT");
            if (value(st, "SELECT count(*) FROM pg_ls_waldir() WHERE name = '" + segment + "'").equals("0")) {
                return;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError(segment + " still in the primary's pg_wal");
            }
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void waitFor(int seconds, Check check, java.util.function.Supplier<String> failure) throws Exception {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        while (System.currentTimeMillis() < deadline) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (SQLException e) {
                // not yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError(failure.get());
    }

    static String value(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static String valueOrNull(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "(no " + file + ")";
        } catch (Exception e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    private static Connection connect(int port) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
    }
}
