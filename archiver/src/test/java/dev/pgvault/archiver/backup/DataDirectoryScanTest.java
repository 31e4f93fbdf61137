package dev.pgvault.archiver.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a backup takes from PGDATA and what it leaves out, on a directory laid out like one. */
class DataDirectoryScanTest {

    @TempDir
    Path tmp;

    @Test
    void copiesTheClusterAndLeavesOutWhatPostgresqlSaysToSkip() throws Exception {
        Path pgdata = tmp.resolve("data");
        Path tablespace = tmp.resolve("ts");
        write(pgdata, "PG_VERSION", "15\n");
        write(pgdata, "postgresql.conf", "port = 5432\n");
        write(pgdata, "postgresql.auto.conf", "");
        write(pgdata, "backup_label.old", "an old label, kept by PostgreSQL on purpose");
        write(pgdata, "global/1262", "pages");
        write(pgdata, "global/pg_control", "control");
        write(pgdata, "base/5/16384", "heap");
        write(pgdata, "base/5/16384.1", "second segment");
        write(pgdata, "base/5/16384_fsm", "fsm");
        write(pgdata, "base/5/PG_VERSION", "15\n");
        write(pgdata, "log/postgresql.log", "logs are kept");
        Files.createDirectories(pgdata.resolve("pg_logical/snapshots"));
        Files.createDirectories(pgdata.resolve("pg_tblspc"));
        write(tablespace, "PG_15_202209061/5/16500", "tablespace heap");
        write(tablespace, "PG_14_202107181/5/16500", "another version's files (pg_upgrade)");
        Files.createSymbolicLink(pgdata.resolve("pg_tblspc/16499"), tablespace);

        // Left out altogether, or kept as empty directories:
        write(pgdata, "postmaster.pid", "1234");
        write(pgdata, "postmaster.opts", "postgres -D ...");
        write(pgdata, "backup_label", "a stale label");
        write(pgdata, "tablespace_map", "");
        write(pgdata, "backup_manifest", "{}");
        write(pgdata, "current_logfiles", "stderr log/postgresql.log");
        write(pgdata, "postgresql.auto.conf.tmp", "");
        write(pgdata, "pgvault.pgpass", "*:*:*:*:a replica's password");
        write(pgdata, "pg_wal/000000010000000000000001", "wal");
        write(pgdata, "pg_wal/archive_status/000000010000000000000001.done", "");
        write(pgdata, "pg_replslot/slot1/state", "slot");
        for (String dir : List.of("pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans")) {
            write(pgdata, dir + "/0000", "transient");
        }
        write(pgdata, "base/pgsql_tmp/pgsql_tmp1234.0", "sort spill");
        write(pgdata, "base/5/pgsql_tmp9.1", "temp file");
        write(pgdata, "global/pg_internal.init", "relcache");
        write(pgdata, "base/5/pg_internal.init.4321", "relcache being written");
        write(pgdata, "base/5/t3_16390", "temporary table");
        write(pgdata, "base/5/t3_16390_fsm", "temporary table fsm");
        write(tablespace, "PG_15_202209061/5/t4_16600.1", "temporary table in a tablespace");
        write(pgdata, "base/5/16700", "unlogged main fork");
        write(pgdata, "base/5/16700_vm", "unlogged vm");
        write(pgdata, "base/5/16700_init", "unlogged init fork: kept");

        DataDirectoryScan.Result scan = DataDirectoryScan.scan(pgdata, new ExclusionRules(15));

        Map<String, Long> files = new TreeMap<>();
        scan.files().forEach(f -> files.put(f.path(), f.size()));
        assertEquals(List.of(
                "PG_VERSION", "backup_label.old", "base/5/16384", "base/5/16384.1", "base/5/16384_fsm", "base/5/16700_init",
                "base/5/PG_VERSION", "global/1262", "global/pg_control", "log/postgresql.log",
                "pg_tblspc/16499/PG_15_202209061/5/16500", "postgresql.auto.conf", "postgresql.conf"),
                List.copyOf(files.keySet()));
        assertEquals(15L, files.get("pg_tblspc/16499/PG_15_202209061/5/16500"));
        assertEquals(0L, files.get("postgresql.auto.conf"));

        Map<String, DirectoryEntry> dirs = new TreeMap<>();
        scan.directories().forEach(d -> dirs.put(d.path(), d));
        assertEquals(List.of("base", "base/5", "global", "log", "pg_dynshmem", "pg_logical", "pg_logical/snapshots",
                "pg_notify", "pg_replslot", "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans", "pg_tblspc",
                "pg_tblspc/16499", "pg_tblspc/16499/PG_15_202209061", "pg_tblspc/16499/PG_15_202209061/5", "pg_wal",
                "pg_wal/archive_status"), List.copyOf(dirs.keySet()));
        assertEquals(tablespace.toString(), dirs.get("pg_tblspc/16499").linkTarget());
        assertEquals(null, dirs.get("base/5").linkTarget());
        assertEquals(scan.files().stream().map(SourceFile::path).sorted().toList(),
                scan.files().stream().map(SourceFile::path).toList(), "sorted by path");
    }

    @Test
    void modesAndTimesComeFromTheFiles() throws Exception {
        Path pgdata = tmp.resolve("data");
        write(pgdata, "PG_VERSION", "15\n");
        write(pgdata, "global/1262", "x");
        Files.setPosixFilePermissions(pgdata.resolve("global/1262"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
        Files.setLastModifiedTime(pgdata.resolve("global/1262"), java.nio.file.attribute.FileTime.fromMillis(1_700_000_000_500L));
        SourceFile f = DataDirectoryScan.scan(pgdata, new ExclusionRules(15)).files().stream()
                .filter(s -> s.path().equals("global/1262")).findFirst().orElseThrow();
        assertEquals(0640, f.mode());
        assertEquals(1_700_000_000L, f.mtime());
        assertEquals(pgdata.resolve("global/1262"), f.file());
    }

    @Test
    void aDirectoryWithoutPgVersionIsRefused() throws Exception {
        Path notPgdata = Files.createDirectories(tmp.resolve("empty"));
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> DataDirectoryScan.scan(notPgdata, new ExclusionRules(15)));
        assertTrue(e.getMessage().contains("not a PostgreSQL data directory"), e.getMessage());
    }

    @Test
    void relationFileNames() {
        assertEquals(0, RelationFiles.segmentNumber("base/5/16384"));
        assertEquals(3, RelationFiles.segmentNumber("base/5/16384.3"));
        assertEquals(0, RelationFiles.segmentNumber("base/5/16384_vm"));
        assertEquals(12, RelationFiles.segmentNumber("base/5/16384_fsm.12"));
        assertEquals(0, RelationFiles.segmentNumber("base/5/16384_init"));
        assertEquals(0, RelationFiles.segmentNumber("global/1262"));
        assertEquals(1, RelationFiles.segmentNumber("pg_tblspc/16499/PG_15_202209061/5/16500.1"));
        for (String not : List.of("base/5/PG_VERSION", "base/5/pg_filenode.map", "global/pg_control", "base/5/t3_16390",
                "base/5/16384_foo", "base/5/16384.", "base/5/16384.x", "base/16384", "pg_xact/0000", "base/5/sub/16384",
                "pg_tblspc/16499/16500", "base/5/16384.1.2")) {
            assertEquals(-1, RelationFiles.segmentNumber(not), not);
        }
        assertTrue(RelationFiles.isTemporaryRelation("t3_16390"));
        assertTrue(RelationFiles.isTemporaryRelation("t12_16390_vm.2"));
        assertFalse(RelationFiles.isTemporaryRelation("t3_"));
        assertFalse(RelationFiles.isTemporaryRelation("16390"));
        assertFalse(RelationFiles.isTemporaryRelation("tx_16390"));
    }

    private static void write(Path root, String rel, String content) throws Exception {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }
}
