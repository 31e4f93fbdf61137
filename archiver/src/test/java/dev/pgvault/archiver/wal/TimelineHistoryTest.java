package dev.pgvault.archiver.wal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Which WAL a timeline history follows. */
class TimelineHistoryTest {
    /** Timeline 1 left at 0/5000100, timeline 2 at 0/9000000. */
    private static final TimelineHistory TLI3 = TimelineHistory.parse(3,
            "1\t0/5000100\tno recovery target specified\n2\t0/9000000\tno recovery target specified\n"
                    .getBytes(StandardCharsets.UTF_8));

    @Test
    void itHoldsAnAncestorsWalUpToWhereItLeftItAndItsOwnWithoutEnd() {
        assertTrue(TLI3.holdsUpTo(1, Lsn.parse("0/5000100")), "up to the switch point itself");
        assertFalse(TLI3.holdsUpTo(1, Lsn.parse("0/5000101")), "past it: the old timeline's branch");
        assertTrue(TLI3.holdsUpTo(2, Lsn.parse("0/8FFFFFF")));
        assertTrue(TLI3.holdsUpTo(3, Lsn.parse("FF/0")));
        assertFalse(TLI3.holdsUpTo(4, Lsn.parse("0/1")));
    }
}
