package dev.pgvault.archiver.backup;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** pg_waldump 15's own lines, as a backup reads them (captured from a real cluster). */
class RelationChangesTest {
    private static final List<String> LINES = List.of(
            "rmgr: Database    len (rec/tot):     42/    42, tx:        724, lsn: 0/01741AA0, prev 0/01741A28, desc: CREATE_FILE_COPY copy dir 1663/1 to 1663/50000",
            "rmgr: Database    len (rec/tot):     34/    34, tx:        725, lsn: 0/01742148, prev 0/01742080, desc: CREATE_WAL_LOG create dir 1663/16384",
            "rmgr: Storage     len (rec/tot):     42/    42, tx:        725, lsn: 0/017670B8, prev 0/01765FE0, desc: CREATE base/5/2619_fsm",
            "rmgr: Storage     len (rec/tot):     42/    42, tx:          0, lsn: 0/01B95D70, prev 0/01B95D40, desc: TRUNCATE base/5/16389 to 0 blocks flags 7",
            "rmgr: Database    len (rec/tot):     34/    34, tx:        730, lsn: 0/01B96068, prev 0/01B95FD8, desc: DROP dir 1663/50001 16400/50002",
            "rmgr: Storage     len (rec/tot):     42/    42, tx:        731, lsn: 0/01B97000, prev 0/01B96068, desc: CREATE pg_tblspc/16400/PG_15_202209061/5/16500");

    private final RelationChanges changes = RelationChanges.parse(LINES);

    @Test
    void aCopiedCreatedOrDroppedDatabaseIsStoredWholeEveryFileOfIt() {
        assertTrue(changes.storeWhole("base/50000/1259"));
        assertTrue(changes.storeWhole("base/50000/PG_VERSION"));
        assertTrue(changes.storeWhole("base/16384/2619_vm"));
        assertTrue(changes.storeWhole("base/50001/1259.1"));
        assertTrue(changes.storeWhole("pg_tblspc/16400/PG_15_202209061/50002/16384"));
        assertFalse(changes.storeWhole("base/5000/1259"));
        assertFalse(changes.storeWhole("pg_tblspc/16401/PG_15_202209061/50002/16384"));
    }

    @Test
    void aRestartWithWalLogHintsOffIsSeen() {
        String off = "rmgr: XLOG        len (rec/tot):     54/    54, tx:          0, lsn: 0/0300A028, prev 0/03000028, desc:"
                + " PARAMETER_CHANGE max_connections=100 max_worker_processes=8 max_wal_senders=10 max_prepared_xacts=0"
                + " max_locks_per_xact=64 wal_level=replica wal_log_hints=off track_commit_timestamp=off";
        assertFalse(changes.hintsUnlogged());
        assertTrue(RelationChanges.parse(List.of(off)).hintsUnlogged());
        assertFalse(RelationChanges.parse(List.of(off.replace("wal_log_hints=off", "wal_log_hints=on"))).hintsUnlogged());
    }

    @Test
    void aCreatedOrTruncatedRelationIsStoredWholeEveryForkAndSegment() {
        assertTrue(changes.storeWhole("base/5/2619"));
        assertTrue(changes.storeWhole("base/5/2619.3"));
        assertTrue(changes.storeWhole("base/5/2619_vm"));
        assertTrue(changes.storeWhole("base/5/16389_fsm"));
        assertTrue(changes.storeWhole("pg_tblspc/16400/PG_15_202209061/5/16500.1"));
        assertFalse(changes.storeWhole("base/5/26190"));
        assertFalse(changes.storeWhole("base/5/1638"));
        assertFalse(changes.storeWhole("base/6/16389"));
        assertFalse(changes.storeWhole("postgresql.conf"));
    }
}
