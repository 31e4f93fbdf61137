package dev.pgvault.ha.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** pg_waldump's answers (as PostgreSQL 15 prints them) and what they say about a fork. */
class WalAfterForkTest {
    private static final String WHERE = "the fork of n2's timeline 2 from timeline 1 at 0/5018E00";

    @Test
    void aRecordAtOrAfterTheForkMeansDiverged() {
        ProgramOutput out = new ProgramOutput("pg_waldump", 0, "first record is after 0/5018E00, at 0/5018E28, skipping over 40 bytes\n"
                + "rmgr: Heap        len (rec/tot):     59/    59, tx:        735, lsn: 0/05018E28, prev 0/05018E00,"
                + " desc: INSERT off 3 flags 0x00, blkref #0: rel 1663/5/16384 blk 0\n");
        Divergence d = WalAfterFork.judge(out, WHERE).orElseThrow();
        assertTrue(d.diverged());
        assertTrue(d.why().startsWith("it wrote WAL after " + WHERE + ": rmgr: Heap"), d.why());
    }

    @Test
    void noValidRecordAfterTheForkMeansNotDiverged() {
        ProgramOutput out = new ProgramOutput("pg_waldump", 1, "pg_waldump: error: could not find a valid record after 0/5018E00\n");
        assertEquals(Optional.of(new Divergence(false, "its WAL ends at or before " + WHERE)), WalAfterFork.judge(out, WHERE));
    }

    @Test
    void anyOtherAnswerTellsNothing() {
        for (ProgramOutput out : new ProgramOutput[] {
                new ProgramOutput("pg_waldump", 1, "pg_waldump: error: could not find file \"000000010000000000000006\": No such file or directory\n"),
                new ProgramOutput("pg_waldump", 1, "pg_waldump: error: could not open directory \"pg_wal\": Permission denied\n"),
                new ProgramOutput("pg_waldump", 0, ""),
                // a failure that printed a record first: not a clean answer either way
                new ProgramOutput("pg_waldump", 1, "rmgr: XLOG len (rec/tot): 114/114, tx: 0, lsn: 0/05018E00\n"
                        + "pg_waldump: error: error in WAL record at 0/5018E00: invalid record length\n")}) {
            assertFalse(WalAfterFork.judge(out, WHERE).isPresent(), out.output());
        }
    }
}
