package dev.pgvault.archiver.wal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The one check of a WAL file's content against its name, shared by push, get and verify. */
class WalContentCheckTest {
    private static final long SYSID = 7301234567890123456L;
    private static final int SEG = 16 * 1024 * 1024;
    private static final WalContentCheck CHECK = new WalContentCheck(SYSID, SEG);

    private static byte[] header(int tli, long segmentNumber, long sysid, int segSize) {
        return new WalSegmentHeader(0xD110, tli, segmentNumber * SEG, sysid, segSize, 8192).encode();
    }

    private static Optional<String> check(String name, byte[] head, long size) {
        return CHECK.segmentMismatch(WalFileName.parse(name), head, head.length, size);
    }

    @Test
    void aSegmentThatFitsItsNamePasses() {
        assertEquals(Optional.empty(), check("000000010000000000000005", header(1, 5, SYSID, SEG), SEG));
        assertEquals(Optional.empty(), check("000000010000000100000002", header(1, 258, SYSID, SEG), -1));
        assertEquals(Optional.empty(), check("000000010000000000000005.partial", header(1, 5, SYSID, SEG), SEG));
    }

    /** A new timeline's first segment starts with the pages it copied from its parent. */
    @Test
    void aHeaderOfAnOlderTimelinePassesAndOfANewerOneIsRefused() {
        assertEquals(Optional.empty(), check("000000030000000000000005", header(2, 5, SYSID, SEG), SEG));
        assertEquals(Optional.of("000000020000000000000005 holds WAL of a later timeline: its header says timeline 3,"
                + " its name 2"), check("000000020000000000000005", header(3, 5, SYSID, SEG), SEG));
    }

    @Test
    void anotherPositionIsNamedWithTheSegmentItHolds() {
        assertEquals(Optional.of("000000010000000000000005 holds WAL of another position: its header's page address is"
                + " 0/7000000 (segment 000000010000000000000007), its name says 0/5000000"),
                check("000000010000000000000005", header(1, 7, SYSID, SEG), SEG));
    }

    @Test
    void anotherClusterOrSegmentSizeOrLengthIsRefused() {
        assertEquals(Optional.of("000000010000000000000005 belongs to another cluster: system identifier 42, the stanza's"
                + " is 7301234567890123456"), check("000000010000000000000005", header(1, 5, 42, SEG), SEG));
        assertTrue(check("000000010000000000000005", header(1, 5, SYSID, 1 << 20), SEG).orElseThrow()
                .contains("with segment size 1048576 in its header; the stanza's segment size is 16777216"));
        assertEquals(Optional.of("000000010000000000000005 is 8192 bytes with segment size 16777216 in its header;"
                + " the stanza's segment size is 16777216"), check("000000010000000000000005", header(1, 5, SYSID, SEG), 8192));
    }

    @Test
    void bytesThatAreNoSegmentAreRefused() {
        assertEquals(Optional.of("000000010000000000000005 is not a WAL segment: too short for a WAL segment header (3 bytes)"),
                check("000000010000000000000005", new byte[3], 3));
        assertTrue(check("000000010000000000000005", new byte[40], SEG).orElseThrow().contains("no long page header"));
    }

    @Test
    void historyFilesAreCheckedAgainstTheirTimeline() {
        WalFileName three = WalFileName.parse("00000003.history");
        byte[] good = "1\t0/3000000\tno recovery target specified\n\n# comment\n2\t0/5000A28\tat restore point \"x\"\n"
                .getBytes(UTF_8);
        assertEquals(Optional.empty(), CHECK.historyMismatch(three, good));
        assertEquals(Optional.of("00000002.history is not the history of timeline 2: line 4: parent timeline 2 is not"
                + " older than timeline 2"), CHECK.historyMismatch(WalFileName.parse("00000002.history"), good));
        assertEquals(Optional.of("00000003.history is not the history of timeline 3: it names no parent timeline"),
                CHECK.historyMismatch(three, "\n# nothing\n".getBytes(UTF_8)));
    }

    @Test
    void aHistoryIsParsedIntoItsAncestors() {
        TimelineHistory h = TimelineHistory.parse(4, "1\t0/3000000\tx\n3\t0/5000000\ty\n".getBytes(UTF_8));
        assertEquals(List.of(new TimelineHistory.Entry(1, Lsn.parse("0/3000000")),
                new TimelineHistory.Entry(3, Lsn.parse("0/5000000"))), h.ancestors());
        assertTrue(h.contains(1) && h.contains(3) && h.contains(4) && !h.contains(2));
        assertEquals(Lsn.parse("0/3000000"), h.endOf(1));
        assertEquals(null, h.endOf(4));
        assertEquals(Lsn.parse("0/3000000"), h.beginOf(3));
        assertEquals(Lsn.parse("0/5000000"), h.beginOf(4));
        assertEquals(new Lsn(0), h.beginOf(1));
        assertThrows(IllegalArgumentException.class, () -> h.endOf(2));
        for (String bad : List.of("x\t0/1\n", "1\tnope\n", "2\t0/1\n1\t0/2\n", "1\t0/5\n2\t0/4\n", "0\t0/1\n")) {
            assertThrows(IllegalArgumentException.class, () -> TimelineHistory.parse(4, bad.getBytes(UTF_8)), bad);
        }
    }
}
