package dev.pgvault.restore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.StanzaMismatchException;
import dev.pgvault.archiver.pg.PgException;
import dev.pgvault.restore.replica.ConnInfo;
import dev.pgvault.restore.replica.InvalidConnInfoException;
import dev.pgvault.restore.replica.Primary;
import dev.pgvault.restore.replica.ReplicaBootstrap;
import dev.pgvault.restore.replica.ReplicaRequest;
import dev.pgvault.restore.replica.ReplicaResult;
import dev.pgvault.restore.replica.SlotConflictException;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.EncodedStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replica bootstrap on hand-made backups, with a fake primary and a fake pg_ctl. */
class ReplicaBootstrapTest {
    static final String AUTO_CONF = "work_mem = '64MB'\nprimary_conninfo = 'host=old'\nrecovery_target_lsn = '0/1'\n";

    @TempDir
    Path tmp;
    EncodedStore repo;
    FakePrimary primary = new FakePrimary();
    List<String> started = new ArrayList<>();

    @BeforeEach
    void backup() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("repo"));
        repo = new EncodedStore(new dev.pgvault.storage.fs.FsBlobStore(root), CodecSpec.DEFAULT);
        new dev.pgvault.archiver.StanzaStore(repo, RestoreTest.LAYOUT).init(RestoreTest.CLUSTER);
        new HandMadeBackup(repo, RestoreTest.LAYOUT, RestoreTest.ID).dir("global", 0700).dir("pg_wal", 0700)
                .bundle(new HandMadeBackup.Small("PG_VERSION", "15\n".getBytes(UTF_8), 0600, RestoreTest.MTIME),
                        new HandMadeBackup.Small("global/pg_control", RestoreTest.CONTROL, 0600, RestoreTest.MTIME),
                        new HandMadeBackup.Small("postgresql.auto.conf", AUTO_CONF.getBytes(UTF_8), 0600, RestoreTest.MTIME))
                .write();
    }

    ReplicaBootstrap bootstrap() {
        return new ReplicaBootstrap(new Restore(repo, RestoreTest.LAYOUT, 2, RestoreTest.CLOCK), c -> {
            primary.openedWith.add(c);
            return primary;
        }, (pgdata, log, timeout) -> started.add(pgdata + " " + log + " " + timeout.toSeconds()));
    }

    static ReplicaRequest request(Path pgdata, String conninfo, String slot, boolean create, Duration start) {
        return new ReplicaRequest(pgdata, null, ConnInfo.parse(conninfo), slot, create, RestoreTest.COMMAND, 5433, start);
    }

    /** The configuration's own cluster, stopped, with a tablespace the backup lacks: no standby beside it, no slot made. */
    @Test
    void aStandbyBesideTheConfiguredClusterWithALaterTablespaceIsRefusedBeforeAnythingIsMade() throws Exception {
        Path main = Files.createDirectories(tmp.resolve("main/global"));
        java.nio.ByteBuffer control = java.nio.ByteBuffer.allocate(8192).order(java.nio.ByteOrder.nativeOrder());
        control.putLong(0, RestoreTest.CLUSTER.systemIdentifier());
        Files.write(main.resolve("pg_control"), control.array());
        Files.createDirectories(tmp.resolve("main/pg_tblspc"));
        Files.createSymbolicLink(tmp.resolve("main/pg_tblspc/16500"), Files.createDirectories(tmp.resolve("later")));
        Path pgdata = tmp.resolve("standby");
        ReplicaRequest r = request(pgdata, "host=db1 user=rep", "replica_1", true, null);
        ReplicaRequest beside = new ReplicaRequest(r.pgdata(), r.backupId(), r.primary(), r.slot(), r.createSlot(),
                r.restoreCommand(), r.port(), r.startTimeout(), r.delta(), r.tablespaces(), tmp.resolve("main"));
        TargetDirectoryException e = assertThrows(TargetDirectoryException.class, () -> bootstrap().create(beside));
        assertTrue(e.getMessage().startsWith("the cluster in " + tmp.resolve("main").toRealPath() + " (this configuration's"
                + " pg.data) is backup " + RestoreTest.ID + "'s cluster, and has tablespace 16500 ("), e.getMessage());
        assertEquals(List.of(), primary.slots.keySet().stream().toList());
        assertFalse(Files.exists(pgdata));
    }

    @Test
    void writesAStandbyWithThePasswordInAnOwnerOnlyPassfileAndCreatesTheSlot() throws Exception {
        Path pgdata = tmp.resolve("standby");
        ReplicaResult r = bootstrap().create(request(pgdata, "host=db1 port=5432 user=rep password='s3:cr\\'et'",
                "replica_1", true, Duration.ofSeconds(30)));

        assertEquals(ReplicaResult.SlotOutcome.CREATED, r.slotOutcome());
        assertEquals(List.of("replica_1"), primary.slots.keySet().stream().toList());
        assertTrue(Files.exists(pgdata.resolve("standby.signal")));
        assertFalse(Files.exists(pgdata.resolve("recovery.signal")));
        assertTrue(Files.exists(pgdata.resolve("global/pg_control")));
        Path passfile = pgdata.resolve("pgvault.pgpass");
        assertEquals(passfile, r.passfile());
        assertEquals("*:*:*:*:s3\\:cr'et\n", Files.readString(passfile));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(passfile)));

        String auto = Files.readString(pgdata.resolve("postgresql.auto.conf"));
        assertFalse(auto.contains("s3"), auto);
        assertTrue(auto.startsWith("work_mem = '64MB'\n# disabled by pgvault restore: primary_conninfo = 'host=old'\n"
                + "# disabled by pgvault restore: recovery_target_lsn = '0/1'\n"
                + "# standby settings written by pgvault replica create of backup " + RestoreTest.ID), auto);
        assertTrue(auto.endsWith("\nrestore_command = '" + RestoreTest.COMMAND + "'\n"
                + "recovery_target_timeline = 'latest'\n"
                + "primary_conninfo = 'host=''db1'' port=''5432'' user=''rep'' passfile=''" + passfile + "'''\n"
                + "primary_slot_name = 'replica_1'\n"
                + "port = 5433\n"), auto);
        assertEquals(List.of(pgdata + " " + pgdata.resolve("log/pgvault-start.log") + " 30"), started);
        assertFalse(r.primaryConninfo().contains("s3"));
    }

    @Test
    void withoutPasswordNoPassfileAndWithoutCreateSlotThePrimaryIsNotContacted() throws Exception {
        Path pgdata = tmp.resolve("standby");
        ReplicaResult r = bootstrap().create(request(pgdata, "host=db1 user=rep", "replica_1", false, null));
        assertEquals(ReplicaResult.SlotOutcome.NAMED, r.slotOutcome());
        assertEquals(List.of(), primary.openedWith);
        assertEquals(List.of(), started);
        assertFalse(Files.exists(pgdata.resolve("pgvault.pgpass")));
        assertTrue(Files.readString(pgdata.resolve("postgresql.auto.conf")).contains("\nprimary_conninfo = 'host=''db1'' user=''rep'''\n"));
    }

    @Test
    void anInactivePhysicalSlotIsReusedAnActiveOrLogicalOneRefusedBeforeAnythingIsWritten() throws Exception {
        primary.slots.put("replica_1", new Primary.Slot("replica_1", true, false, null));
        assertEquals(ReplicaResult.SlotOutcome.REUSED,
                bootstrap().create(request(tmp.resolve("a"), "host=db1", "replica_1", true, null)).slotOutcome());

        primary.slots.put("busy", new Primary.Slot("busy", true, true, 4242));
        SlotConflictException active = assertThrows(SlotConflictException.class,
                () -> bootstrap().create(request(tmp.resolve("b"), "host=db1", "busy", true, Duration.ofSeconds(1))));
        assertTrue(active.getMessage().contains("'busy'") && active.getMessage().contains("in use (walsender pid 4242)"),
                active.getMessage());
        assertFalse(Files.exists(tmp.resolve("b")));

        primary.slots.put("logical", new Primary.Slot("logical", false, false, null));
        assertThrows(SlotConflictException.class, () -> bootstrap().create(request(tmp.resolve("c"), "host=db1", "logical", true, null)));
        assertFalse(Files.exists(tmp.resolve("c")));
        assertEquals(List.of(), started);
    }

    @Test
    void aPrimaryOfAnotherClusterIsRefused() {
        primary.sysid = 42;
        StanzaMismatchException e = assertThrows(StanzaMismatchException.class,
                () -> bootstrap().create(request(tmp.resolve("a"), "host=db1", "replica_1", true, null)));
        assertTrue(e.getMessage().contains("system identifier 42"), e.getMessage());
        assertTrue(primary.slots.isEmpty());
        assertFalse(Files.exists(tmp.resolve("a")));
    }

    @Test
    void aNonEmptyDirectoryIsRefusedBeforeTheSlotIsCreated() throws Exception {
        Path pgdata = Files.createDirectories(tmp.resolve("busy"));
        Files.writeString(pgdata.resolve("keep.me"), "precious");
        TargetDirectoryException e = assertThrows(TargetDirectoryException.class,
                () -> bootstrap().create(request(pgdata, "host=db1 password=x", "replica_1", true, Duration.ofSeconds(1))));
        assertTrue(e.getMessage().contains("is not empty"), e.getMessage());
        assertEquals(List.of(), primary.openedWith);
        assertEquals("precious", Files.readString(pgdata.resolve("keep.me")));
        try (var left = Files.list(pgdata)) {
            assertEquals(1, left.count());
        }
    }

    @Test
    void aFailedRestoreDropsTheSlotItCreated() throws Exception {
        // a tablespace location that appears during the restore is not possible to fake simply: corrupt the bundle instead
        Path bundle;
        try (var all = Files.walk(tmp.resolve("repo"))) {
            bundle = all.filter(p -> p.toString().contains("bundle")).filter(Files::isRegularFile).findFirst().orElseThrow();
        }
        RestoreTest.flipByteInTheMiddle(bundle);
        assertThrows(RestoreIncompleteException.class,
                () -> bootstrap().create(request(tmp.resolve("a"), "host=db1", "replica_1", true, Duration.ofSeconds(1))));
        assertTrue(primary.slots.isEmpty(), "created, then dropped");
        assertEquals(List.of("replica_1"), primary.dropped);
        assertEquals(List.of(), started);
        assertFalse(Files.exists(tmp.resolve("a/standby.signal")));
    }

    @Test
    void requestChecks() {
        assertThrows(InvalidConnInfoException.class, () -> request(tmp, "host=h", null, true, null));
        assertThrows(InvalidConnInfoException.class, () -> request(tmp, "host=h", "Bad-Name", false, null));
    }

    static final class FakePrimary implements Primary {
        long sysid = RestoreTest.CLUSTER.systemIdentifier();
        final Map<String, Slot> slots = new HashMap<>();
        final List<ConnInfo> openedWith = new ArrayList<>();
        final List<String> dropped = new ArrayList<>();

        @Override
        public long systemIdentifier() {
            return sysid;
        }

        @Override
        public Optional<Slot> slot(String name) {
            return Optional.ofNullable(slots.get(name));
        }

        @Override
        public void createPhysicalSlot(String name) {
            slots.put(name, new Slot(name, true, false, null));
        }

        @Override
        public void dropSlot(String name) throws PgException {
            slots.remove(name);
            dropped.add(name);
        }

        @Override
        public void close() {}
    }
}
