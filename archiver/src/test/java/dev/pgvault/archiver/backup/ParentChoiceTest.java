package dev.pgvault.archiver.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.wal.Lsn;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which backup a diff or incr builds on, and when a full is taken instead. */
class ParentChoiceTest {
    private static Manifest backup(String id, BackupType type, String parent, int minute, int timeline, boolean checksums) {
        Instant start = Instant.parse("2026-12-01T03:00:00Z").plusSeconds(60L * minute);
        return new Manifest(id, type, parent, start, start.plusSeconds(30), new Lsn(minute * 0x1000000L + 0x28),
                new Lsn(minute * 0x1000000L + 0x100), timeline, "x", "y", new ClusterIdentity(1, 150000, 16 << 20, Instant.EPOCH),
                checksums, "label", null, List.of(), List.of(), List.of());
    }

    private final Manifest full = backup("20261201-030000F", BackupType.FULL, null, 0, 1, true);
    private final Manifest incr = backup("20261201-030100I", BackupType.INCR, full.id(), 1, 1, true);

    /** The choice over {@code backups}' headers; the chosen parent's whole manifest read by id, and only it. */
    private static ParentChoice choose(List<Manifest> backups, BackupType asked, int timeline, boolean checksums)
            throws Exception {
        List<String> read = new ArrayList<>();
        ParentChoice c = ParentChoice.choose(backups.stream().map(Manifest::header).toList(), asked, timeline, checksums,
                id -> {
                    read.add(id);
                    return backups.stream().filter(m -> m.id().equals(id)).findFirst().orElseThrow();
                });
        assertEquals(c.parent() == null ? List.of() : List.of(c.parent().id()), read);
        return c;
    }

    @Test
    void aDiffBuildsOnTheNewestFullAnIncrOnTheNewestBackup() throws Exception {
        assertEquals(full, choose(List.of(full, incr), BackupType.DIFF, 1, true).parent());
        assertEquals(incr, choose(List.of(full, incr), BackupType.INCR, 1, true).parent());
        assertNull(choose(List.of(full, incr), BackupType.FULL, 1, true).parent());
    }

    @Test
    void aFullIsTakenWithNothingToBuildOnAfterAPromotionOrAChecksumChangeAndSaysWhy() throws Exception {
        ParentChoice none = choose(List.of(), BackupType.DIFF, 1, true);
        assertEquals(BackupType.FULL, none.type());
        assertEquals("no full backup to build a differential backup on: taking a full backup", none.notice());
        ParentChoice promoted = choose(List.of(full, incr), BackupType.INCR, 2, true);
        assertEquals(BackupType.FULL, promoted.type());
        assertTrue(promoted.notice().contains("is on timeline 1 and the cluster is on timeline 2"), promoted.notice());
        ParentChoice checksums = choose(List.of(full, incr), BackupType.INCR, 1, false);
        assertEquals(BackupType.FULL, checksums.type());
        assertTrue(checksums.notice().contains("taken with data checksums on and the cluster now has them off"),
                checksums.notice());
    }

    @Test
    void aParentWhoseChainIsBrokenIsRefusedSayingToTakeAFull() {
        BrokenChainException e = assertThrows(BrokenChainException.class,
                () -> choose(List.of(incr), BackupType.INCR, 1, true));
        assertEquals("cannot build on backup " + incr.id() + ": its chain needs backup " + full.id() + " (the parent of "
                + incr.id() + "), which is not in the repository; take a full backup (--type full)", e.getMessage());
    }
}
