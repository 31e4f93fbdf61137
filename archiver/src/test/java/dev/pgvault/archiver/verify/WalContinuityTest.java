package dev.pgvault.archiver.verify;

import static dev.pgvault.archiver.verify.TestStanza.SEGMENT_SIZE;
import static dev.pgvault.archiver.verify.TestStanza.segment;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.backup.BackupType;
import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.WalFileName;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The WAL continuity rules on their own, without a repository. */
class WalContinuityTest {
    private static final ClusterIdentity CLUSTER = new ClusterIdentity(1, 150004, SEGMENT_SIZE, Instant.EPOCH);

    private static Manifest backup(String id, String startWal, String stopWal) {
        return new Manifest(id, BackupType.FULL, null, Instant.EPOCH, Instant.EPOCH, new Lsn(0), new Lsn(0), 1,
                startWal, stopWal, CLUSTER, false, "", null, List.of(), List.of(), List.of());
    }

    private static List<WalFileName> segments(int tli, long from, long to) {
        List<WalFileName> out = new ArrayList<>();
        for (long n = from; n <= to; n++) {
            out.add(WalFileName.parse(segment(tli, n)));
        }
        return out;
    }

    @Test
    void segmentNamesCrossLogBoundaries() {
        long sixteenMiB = 16L * 1024 * 1024;
        WalContinuity c = new WalContinuity(List.of(), Set.of(), sixteenMiB);
        assertEquals("0000000100000000000000FF", c.name(1, 255));
        assertEquals("000000010000000100000000", c.name(1, 256));
        assertEquals(256, WalFileName.parse(c.name(1, 256)).segmentNumber(sixteenMiB));
        WalContinuity big = new WalContinuity(List.of(), Set.of(), 1024L * 1024 * 1024);
        assertEquals("000000030000000200000003", big.name(3, 2 * 4 + 3));
    }

    @Test
    void aLongMissingRangeIsOneProblemWithRangesAndCappedNames() {
        List<WalFileName> archived = segments(1, 10, 10);
        Manifest m = backup("b", segment(1, 1), segment(1, 200_000));
        List<Problem> problems = new WalContinuity(archived, Set.of(), SEGMENT_SIZE).check(List.of(m));
        assertEquals(1, problems.size());
        Problem p = problems.get(0);
        assertEquals(WalContinuity.MAX_NAMED_SEGMENTS, p.walFiles().size());
        assertTrue(p.message().contains(segment(1, 1) + ".." + segment(1, 9) + " (9 segments), "
                + segment(1, 11) + ".." + segment(1, 200_000) + " (199990 segments)"), p.message());
    }

    @Test
    void aBackupAfterTheNewestSegmentHasNoGapButMissingWal() {
        List<Problem> problems = new WalContinuity(segments(1, 1, 3), Set.of(), SEGMENT_SIZE)
                .check(List.of(backup("b", segment(1, 5), segment(1, 5))));
        assertEquals(1, problems.size());
        assertEquals(ProblemKind.BACKUP_WAL_MISSING, problems.get(0).kind());
    }

    @Test
    void aCorruptSegmentAfterABackupIsAGap() {
        List<Problem> problems = new WalContinuity(segments(1, 1, 6), Set.of(segment(1, 4)), SEGMENT_SIZE)
                .check(List.of(backup("b", segment(1, 2), segment(1, 2))));
        assertEquals(1, problems.size());
        assertEquals(ProblemKind.WAL_GAP, problems.get(0).kind());
        assertTrue(problems.get(0).message().contains(segment(1, 4) + " is corrupt"), problems.get(0).message());
    }

    @Test
    void badStartAndStopWalAreManifestProblems() {
        List<Problem> problems = new WalContinuity(segments(1, 1, 6), Set.of(), SEGMENT_SIZE).check(List.of(
                backup("a", "nonsense", segment(1, 2)),
                backup("b", segment(1, 3), segment(1, 2)),
                backup("c", segment(1, 2), segment(2, 3)),
                backup("d", null, null)));
        assertEquals(4, problems.size());
        assertTrue(problems.stream().allMatch(p -> p.kind() == ProblemKind.MANIFEST_INCONSISTENT));
    }
}
