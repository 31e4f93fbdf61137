package dev.pgvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgvault.archiver.pg.PgTarget;
import dev.pgvault.ha.pg.Divergence;
import dev.pgvault.ha.pg.PgNodeSettings;
import dev.pgvault.ha.pg.PgControlException;
import dev.pgvault.ha.pg.PgStatus;
import dev.pgvault.ha.pg.PostgresNode;
import dev.pgvault.ha.pg.SourceUnreachableException;
import dev.pgvault.ha.pg.Standby;
import dev.pgvault.ha.pg.SynchronousStandbyNames;
import dev.pgvault.ha.pg.Upstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The HA agent's hands on real PostgreSQL 15: three nodes built with {@link PostgresNode} alone
 * (initdb, pg_basebackup, streaming), a promotion, the old primary crashed after writing what the
 * new one never saw, brought back by crash recovery and pg_rewind to follow the new primary, a
 * synchronous standby named by reload, and the data directory moved aside; then two more crashed
 * primaries, one whose WAL ends at the new timeline's fork (it follows as it is) and one that wrote
 * past it (it must be rewound). The steps run in order and share the nodes.
 */
@Concurrent
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(120)
class PostgresNodeIT {
    static final Duration START = Duration.ofSeconds(60);
    static final Duration LONG = Duration.ofSeconds(120);

    static OsUser pgUser;
    static Path base;
    static final List<PostgresNode> nodes = new ArrayList<>();
    static final List<Integer> ports = new ArrayList<>();

    @BeforeAll
    static void nodes() throws Exception {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found in " + PgCluster.BIN);
        pgUser = OsUser.forPostgres();
        base = pgUser.newDirectory("pgvault-ha");
        Path archive = base.resolve("archive");
        Proc.run(pgUser, List.of("mkdir", "-m", "0700", archive.toString())).ok();
        for (int i = 1; i <= 3; i++) {
            int port = PgCluster.freePort();
            ports.add(port);
            String name = "n" + i;
            nodes.add(new PostgresNode(new PgNodeSettings(base.resolve(name), PgCluster.BIN, name, "127.0.0.1", port,
                    base, new PgTarget("127.0.0.1", port, "postgres", "postgres"),
                    Map.of("fsync", "off", "shared_buffers", "16MB", "max_connections", "20", "max_wal_size", "64MB"),
                    "cp %p " + archive + "/%f", "cp " + archive + "/%f %p", base.resolve(name + ".log"),
                    pgUser.wrap(List.of()))));
        }
    }

    @AfterAll
    static void stopAll() {
        for (PostgresNode n : nodes) {
            try {
                n.stopImmediately();
            } catch (Exception e) {
                System.err.println("cannot stop " + n.dataDirectory() + ": " + e.getMessage());
            }
        }
        if (base != null) {
            PgvaultDist.deleteTree(base);
        }
    }

    @Test
    @Order(1)
    void initdbConfigureAndStartMakeARunningPrimaryOnTimelineOne() throws Exception {
        PostgresNode n1 = nodes.get(0);
        assertFalse(n1.status().hasData());
        n1.warmUp(); // nothing runs there: refused, and said by nothing
        n1.initdb();
        n1.configure(false, null, null);
        n1.configure(false, null, null);
        String conf = Files.readString(n1.dataDirectory().resolve("postgresql.conf"));
        assertEquals(1, conf.split("include_if_exists = 'pgvault-ha.conf'", -1).length - 1, "included once");
        n1.start(START);
        n1.warmUp(); // a connection, closed at once
        PgStatus s = n1.status();
        assertTrue(s.runningPrimary(), s.toString());
        assertEquals(1, s.timeline());
        assertTrue(s.systemIdentifier() != 0 && s.lsn() > 0, s.toString());
        sql(0, "CREATE TABLE t (id serial PRIMARY KEY, what text NOT NULL)", "INSERT INTO t (what) VALUES ('first')");
    }

    @Test
    @Order(2)
    void replicasBuiltByBaseBackupStreamAndAdvance() throws Exception {
        for (int i = 1; i <= 2; i++) {
            PostgresNode n = nodes.get(i);
            n.baseBackup(upstream(0), LONG);
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(n.dataDirectory())));
            n.configure(true, upstream(0), null);
            assertTrue(Files.readString(n.dataDirectory().resolve("pgvault-ha.conf")).contains("cluster_name = 'n" + (i + 1) + "'"),
                    "configure replaced the copied file");
            n.start(START);
            await("n" + (i + 1) + " streams", () -> n.status().streaming());
            PgStatus s = n.status();
            assertTrue(s.runningReplica(), s.toString());
            assertEquals(1, s.timeline());
            long before = s.lsn();
            sql(0, "INSERT INTO t (what) SELECT 'more' FROM generate_series(1, 1000)");
            await("n" + (i + 1) + "'s position advances", () -> n.status().lsn() > before);
        }
        assertEquals(List.of("n2", "n3"), nodes.get(0).standbys().stream().map(Standby::name).toList());
    }

    @Test
    @Order(3)
    void promotionMakesAWritablePrimaryOnTimelineTwoThatTheOtherReplicaFollows() throws Exception {
        PostgresNode n2 = nodes.get(1);
        PostgresNode n3 = nodes.get(2);
        // n3 cascades from n2 first: had it streamed from n1 past the promotion, it could not follow n2
        n3.configure(true, upstream(1), null);
        n3.reload();
        await("n3 streams from n2", () -> n2.standbys().stream().anyMatch(s -> s.name().equals("n3") && s.streaming()));

        n2.promote(START);
        assertFalse(java.nio.file.Files.exists(n2.dataDirectory().resolve("promote")),
                "no promote request left behind for a later standby start");
        n2.configure(false, null, null);
        PgStatus s = n2.status();
        assertTrue(s.runningPrimary(), s.toString());
        assertEquals(2, s.timeline());
        sql(1, "INSERT INTO t (what) VALUES ('after promotion')");
        await("n3 follows n2 onto timeline 2", () -> {
            PgStatus st = n3.status();
            return st.streaming() && st.timeline() == 2;
        });
        // the old primary goes on alone: what it writes now must vanish in its rewind
        sql(0, "INSERT INTO t (what) SELECT 'diverged' FROM generate_series(1, 1000)", "CHECKPOINT");
    }

    @Test
    @Order(4)
    void theCrashedOldPrimaryRecoversRewindsAndFollowsTheNewOne() throws Exception {
        PostgresNode n1 = nodes.get(0);
        n1.stopImmediately();
        PgStatus crashed = n1.status();
        assertFalse(crashed.running(), crashed.toString());
        assertTrue(crashed.crashed() && crashed.wasPrimary(), crashed.toString());

        Divergence diverged = n1.divergence(upstream(1)).orElseThrow();
        assertTrue(diverged.diverged() && diverged.why().startsWith("its latest checkpoint, at "), diverged.why());

        n1.crashRecovery(LONG);
        PgStatus recovered = n1.status();
        assertFalse(recovered.crashed(), recovered.toString());
        assertTrue(recovered.wasPrimary(), "a cleanly shut down primary: " + recovered);

        n1.rewind(upstream(1), LONG);
        n1.configure(true, upstream(1), null);
        n1.start(START);
        await("n1 streams from n2 on timeline 2", () -> {
            PgStatus st = n1.status();
            return st.streaming() && st.timeline() == 2;
        });
        await("n1 sees n2's row", () -> count(0, "SELECT count(*) FROM t WHERE what = 'after promotion'") == 1);
        assertEquals(0, count(0, "SELECT count(*) FROM t WHERE what = 'diverged'"));
    }

    @Test
    @Order(5)
    void reloadWithSynchronousStandbyNamesMakesThatStandbySynchronous() throws Exception {
        PostgresNode n2 = nodes.get(1);
        n2.configure(false, null, SynchronousStandbyNames.first(1, List.of("n1")));
        n2.reload();
        await("n1 is n2's synchronous standby", () -> n2.standbys().stream()
                .anyMatch(s -> s.name().equals("n1") && s.synchronous() && s.streaming()));
        sql(1, "INSERT INTO t (what) VALUES ('synchronous')");
        assertTrue(n2.standbys().stream().noneMatch(s -> s.name().equals("n3") && s.synchronous()));
    }

    @Test
    @Order(6)
    void fastStopThenMoveAsideLeavesAnEmptyDirectoryAndTheOldOneIntact() throws Exception {
        PostgresNode n3 = nodes.get(2);
        n3.stop(Duration.ofSeconds(10));
        PgStatus s = n3.status();
        assertFalse(s.running() || s.crashed() || s.wasPrimary(), "a standby shut down cleanly: " + s);

        Object owner = Files.getOwner(n3.dataDirectory());
        Path aside = n3.moveAside();
        assertTrue(Files.exists(aside.resolve("PG_VERSION")), aside.toString());
        assertTrue(aside.getFileName().toString().startsWith("n3.pgvault-aside-"), aside.toString());
        try (var entries = Files.list(n3.dataDirectory())) {
            assertEquals(0, entries.count());
        }
        assertEquals(owner, Files.getOwner(n3.dataDirectory()));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(n3.dataDirectory())));
        assertFalse(n3.status().hasData());
    }

    @Test
    @Order(7)
    void slotsTheAgentMakesAreRecordedUsedAndDroppedOnlyOnceIdleAndNoOtherIs() throws Exception {
        PostgresNode n2 = nodes.get(1); // the primary since the promotion; n1 streams from it
        PostgresNode n1 = nodes.get(0);
        n2.createSlot("n1");
        assertEquals(java.util.Map.of("n1", false), n2.physicalSlots());
        assertEquals(java.util.Set.of("n1"), n2.agentSlots());
        sql(1, "SELECT pg_create_physical_replication_slot('operator')");
        PgControlException notOurs = assertThrows(PgControlException.class, () -> n2.dropSlot("operator"));
        assertEquals("replication slot operator was not created by pgvault: not dropped", notOurs.getMessage());

        n1.configure(true, new Upstream("n2", "127.0.0.1", ports.get(1), "n1"), "");
        n1.reload();
        await("n1 streams through its slot", () -> n2.physicalSlots().get("n1"));
        assertThrows(PgControlException.class, () -> n2.dropSlot("n1"), "PostgreSQL refuses to drop an active slot");
        assertEquals(java.util.Set.of("n1"), n2.agentSlots(), "still recorded");

        n1.configure(true, upstream(1), "");
        n1.reload();
        await("n1 streams without its slot", () -> !n2.physicalSlots().get("n1"));
        n2.dropSlot("n1");
        assertEquals(java.util.Map.of("operator", false), n2.physicalSlots());
        assertEquals(java.util.Set.of(), n2.agentSlots());

        // a former leader is a standby holding slots it made: it can drop them there
        n1.createSlot("n3");
        assertEquals(java.util.Map.of("n3", false), n1.physicalSlots());
        n1.dropSlot("n3");
        assertEquals(java.util.Map.of(), n1.physicalSlots());
    }

    /**
     * A switchover's stop: the old primary's shutdown checkpoint is handed over while its archiver
     * still works on the segment the shutdown switched to (archive_command slowed to 5 s here);
     * n1 has received that checkpoint by then; {@code stop} then waits for the postmaster's exit,
     * and the segment is archived.
     */
    @Test
    @Order(8)
    void aHandoverStopReturnsAtTheShutdownCheckpointAndStopThenWaitsForTheArchiver() throws Exception {
        PostgresNode n2 = nodes.get(1);
        PostgresNode n1 = nodes.get(0);
        Path archive = base.resolve("archive");
        sql(1, "ALTER SYSTEM SET archive_command = 'sleep 5; cp %p " + archive + "/%f'", "SELECT pg_reload_conf()",
                "INSERT INTO t (what) VALUES ('before the handover')");
        String last;
        try (Connection c = connect(1); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT pg_walfile_name(pg_current_wal_lsn())")) {
            rs.next();
            last = rs.getString(1);
        }
        Thread.sleep(1000); // the reload reaches the archiver

        long began = System.nanoTime();
        PgStatus handed = n2.stopForHandover(Duration.ofSeconds(20));
        long tookMs = (System.nanoTime() - began) / 1_000_000;
        assertTrue(n2.status().running(), "the postmaster still runs its archiver's last call (" + tookMs + " ms)");
        assertTrue(tookMs < 4000, "handed over after " + tookMs + " ms, not after the 5 s archive_command");
        assertFalse(handed.running() || handed.crashed(), handed.toString());
        assertTrue(handed.wasPrimary() && handed.timeline() == 2 && handed.lsn() > 0, handed.toString());
        await("n1 received the shutdown checkpoint", () -> n1.status().lsn() >= handed.lsn());

        n2.stop(Duration.ofSeconds(20));
        PgStatus stopped = n2.status();
        assertFalse(stopped.running() || stopped.crashed(), stopped.toString());
        assertEquals(handed.lsn(), stopped.lsn(), "the checkpoint handed over is the last one");
        // by n2's own archiver (n1 archives what it receives into the same directory too)
        assertTrue(Files.exists(n2.dataDirectory().resolve("pg_wal/archive_status/" + last + ".done")),
                last + " archived by n2 before its postmaster exited");
        assertTrue(Files.exists(archive.resolve(last)), last + " in the archive");
    }

    /**
     * n2 (the primary since step 3, stopped in step 8) runs again; n1 streams from it and has
     * received all of its WAL when n2 crashes; n1 is promoted (timeline 3). n2's WAL ends at the
     * fork: it follows n1 as it is, with neither crash recovery nor pg_rewind, and has every row.
     */
    @Test
    @Order(9)
    void aCrashedPrimaryWhoseWalEndsAtTheForkFollowsAsItIs() throws Exception {
        PostgresNode n1 = nodes.get(0);
        PostgresNode n2 = nodes.get(1);
        n2.configure(false, null, null);
        n2.start(START);
        sql(1, "ALTER SYSTEM RESET archive_command", "SELECT pg_reload_conf()");
        await("n1 streams from n2 again", () -> n1.status().streaming());
        sql(1, "INSERT INTO t (what) VALUES ('before the crash')");
        String end = text(1, "SELECT pg_current_wal_insert_lsn()::text");
        await("n1 received all of n2's WAL", () -> "t".equals(text(0, "SELECT pg_last_wal_receive_lsn() >= '" + end + "'")));
        n2.stopImmediately();
        assertTrue(n2.status().crashed() && n2.status().wasPrimary(), n2.status().toString());
        promote(n1, 3);

        Divergence d = n2.divergence(upstream(0)).orElseThrow();
        assertFalse(d.diverged(), d.why());
        assertTrue(d.why().startsWith("its WAL ends at or before the fork of n1's timeline 3 from timeline 2 at "), d.why());
        assertTrue(n2.status().crashed(), "the check wrote no WAL: " + n2.status());
        assertEquals(text(0, "SELECT encode(pg_read_binary_file('pg_wal/00000003.history'), 'escape')"),
                Files.readString(n2.dataDirectory().resolve("pg_wal/00000003.history")),
                "n1's history file put in n2's pg_wal, as pg_rewind would, before it starts");

        n2.configure(true, upstream(0), null);
        n2.start(START);
        awaitFollowing(1, 0, 3, "after the second promotion");
        String rows = "SELECT md5(string_agg(id || ':' || what, ',' ORDER BY id)) FROM t";
        assertEquals(text(0, rows), text(1, rows), "n2 holds exactly n1's rows");
    }

    /**
     * n2 stops while n1 goes on writing; n1 crashes with those rows never sent; n2 starts with its
     * upstream gone and is promoted (timeline 4). n1's latest checkpoint is before the fork but
     * its WAL goes past it: pg_waldump finds the record, the check says rewind, and after crash
     * recovery and pg_rewind n1 follows n2 without the rows n2 never had.
     */
    @Test
    @Order(10)
    void aCrashedPrimaryThatWroteAfterTheForkIsToldToRewind() throws Exception {
        PostgresNode n1 = nodes.get(0);
        PostgresNode n2 = nodes.get(1);
        sql(0, "CHECKPOINT"); // after the promotion's own: n1's latest checkpoint comes before the fork
        String end = text(0, "SELECT pg_current_wal_insert_lsn()::text");
        await("n2 received n1's WAL", () -> "t".equals(text(1, "SELECT pg_last_wal_receive_lsn() >= '" + end + "'")));
        n2.stop(Duration.ofSeconds(10));
        sql(0, "INSERT INTO t (what) SELECT 'lost with n1' FROM generate_series(1, 100)");
        n1.stopImmediately();
        n2.start(START); // its upstream gone, it replays what it has
        promote(n2, 4);

        Divergence d = n1.divergence(upstream(1)).orElseThrow();
        assertTrue(d.diverged(), d.why());
        assertTrue(d.why().startsWith("it wrote WAL after the fork of n2's timeline 4 from timeline 3 at "), d.why());

        // A source that refuses connections: nothing was changed, and nothing is recorded.
        int refused;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            refused = free.getLocalPort();
        }
        SourceUnreachableException unreachable = assertThrows(SourceUnreachableException.class,
                () -> n1.rewind(new Upstream("gone", "127.0.0.1", refused), LONG));
        assertTrue(unreachable.getMessage().startsWith("cannot ready "), unreachable.getMessage());
        assertEquals(java.util.Optional.empty(), n1.unfinishedRewind());

        n1.crashRecovery(LONG);
        n1.configure(true, upstream(1), null);
        n1.rewind(upstream(1), LONG);
        assertEquals(java.util.Optional.empty(), n1.unfinishedRewind(), "a rewind that succeeded leaves no record");
        n1.configure(true, upstream(1), null);
        n1.start(START);
        awaitFollowing(0, 1, 4, "after the third promotion");
        assertEquals(0, count(0, "SELECT count(*) FROM t WHERE what = 'lost with n1'"));
    }

    private static void promote(PostgresNode n, int timeline) throws Exception {
        n.promote(START);
        n.configure(false, null, null);
        assertEquals(timeline, n.status().timeline());
    }

    /** Node {@code follower} streams on {@code timeline} and replays {@code row}, written on {@code primary} now. */
    private static void awaitFollowing(int follower, int primary, int timeline, String row) throws Exception {
        sql(primary, "INSERT INTO t (what) VALUES ('" + row + "')");
        PostgresNode n = nodes.get(follower);
        await("n" + (follower + 1) + " streams on timeline " + timeline, () -> {
            PgStatus st = n.status();
            return st.streaming() && st.timeline() == timeline;
        });
        await("n" + (follower + 1) + " has the row '" + row + "'",
                () -> count(follower, "SELECT count(*) FROM t WHERE what = '" + row + "'") == 1);
    }

    static Upstream upstream(int i) {
        return new Upstream("n" + (i + 1), "127.0.0.1", ports.get(i));
    }

    static Connection connect(int i) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + ports.get(i) + "/postgres", p);
    }

    static void sql(int i, String... statements) throws SQLException {
        try (Connection c = connect(i); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    static long count(int i, String query) throws SQLException {
        try (Connection c = connect(i); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String text(int i, String query) throws SQLException {
        try (Connection c = connect(i); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            rs.next();
            return rs.getString(1);
        }
    }

    interface Check {
        boolean holds() throws Exception;
    }

    static void await(String what, Check check) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (check.holds()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not within 30 s: " + what + (last != null ? " (last error: " + last + ")" : ""));
    }
}
