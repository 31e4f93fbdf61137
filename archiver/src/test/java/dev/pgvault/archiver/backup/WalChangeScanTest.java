package dev.pgvault.archiver.backup;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.wal.Lsn;
import org.junit.jupiter.api.Test;

/** pg_waldump 15's errors at the end position it was given, seen on real clusters, are the end; others are failures. */
class WalChangeScanTest {
    @Test
    void anErrorAtOrPastTheEndIsTheEndAndAnyOtherIsAFailure() {
        Lsn to = Lsn.parse("0/17000028");
        assertTrue(WalChangeScan.failedPast("pg_waldump: error: error in WAL record at 0/16030F10: invalid record length at"
                + " 0/17000028: wanted 24, got 0", to));
        assertTrue(WalChangeScan.failedPast("pg_waldump: error: error in WAL record at 0/170000D8: record with incorrect"
                + " prev-link 0/16030F10 at 0/18000028", to));
        assertFalse(WalChangeScan.failedPast("pg_waldump: error: error in WAL record at 0/16030F10: invalid record length at"
                + " 0/16031000: wanted 24, got 0", to));
        assertFalse(WalChangeScan.failedPast("pg_waldump: error: could not find file 000000010000000000000016", to));
    }
}
