package dev.pgvault.archiver.expire;

import static dev.pgvault.archiver.expire.Backups.SEG;
import static dev.pgvault.archiver.expire.Backups.full;
import static dev.pgvault.archiver.expire.Backups.segment;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.pgvault.archiver.backup.BackupHeader;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.TimelineHistory;
import dev.pgvault.archiver.wal.WalFileName;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which WAL goes, judged by LSN along timeline histories. Segments are 16 MiB; "segment n" covers
 * LSNs [n * 16 MiB, (n + 1) * 16 MiB); backups start 0x28 bytes into their start segment.
 */
class WalRetentionTest {
    private final Map<Integer, TimelineHistory> histories = new HashMap<>();

    /** Timeline {@code tli} branched from {@code parent} at the start of segment {@code at} (with the parents' own history before). */
    private void branch(int tli, String lines) {
        histories.put(tli, TimelineHistory.parse(tli, lines.getBytes(UTF_8)));
    }

    private static String at(long segment) {
        return new Lsn(segment * SEG).toString();
    }

    private static BackupVerdict replayable(BackupHeader m) {
        return new BackupVerdict(m, true, true, false, "retention full=1");
    }

    private static BackupVerdict pinnedOnly(BackupHeader m) {
        return new BackupVerdict(m, true, false, true, "pinned");
    }

    /** The segments of timeline {@code tli} in {@code from..to} that may go. */
    private List<Long> removable(List<BackupVerdict> kept, int tli, long from, long to) {
        WalRetention r = new WalRetention(SEG, histories, kept);
        List<Long> out = new ArrayList<>();
        for (long n = from; n <= to; n++) {
            if (r.removable(WalFileName.parse(segment(tli, n)))) {
                out.add(n);
            }
        }
        return out;
    }

    private static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long n = from; n <= to; n++) {
            out.add(n);
        }
        return out;
    }

    @Test
    void onOneTimelineWhatPrecedesTheOldestKeptBackupsStartGoes() {
        List<BackupVerdict> kept = List.of(replayable(full(5, 1, 10, 11)), replayable(full(6, 1, 20, 20)));
        assertEquals(range(1, 9), removable(kept, 1, 1, 40));
        WalRetention r = new WalRetention(SEG, histories, kept);
        assertFalse(r.removable(WalFileName.parse("00000001.history")), "history files stay");
        assertEquals(true, r.removable(WalFileName.parse(segment(1, 9) + ".00000028.backup")));
        assertEquals(false, r.removable(WalFileName.parse(segment(1, 10) + ".00000028.backup")));
    }

    @Test
    void aPinnedBackupKeepsItsStartToStopAndTheWalAfterItMayGo() {
        List<BackupVerdict> kept = List.of(pinnedOnly(full(0, 1, 3, 4)), replayable(full(9, 1, 10, 10)));
        List<Long> expected = new ArrayList<>(range(1, 2));
        expected.addAll(range(5, 9));
        assertEquals(expected, removable(kept, 1, 1, 30));
    }

    /**
     * The case: a timeline without a backup of its own needs the WAL its older backup
     * replays into it, and the old timeline's WAL after the switch stays for that backup too.
     */
    @Test
    void aNewerTimelineWithoutABackupKeepsWhatTheOlderBackupReplaysIntoIt() {
        branch(2, "1\t" + at(15) + "\tno recovery target specified\n");
        List<BackupVerdict> kept = List.of(replayable(full(5, 1, 10, 11)));
        assertEquals(range(1, 9), removable(kept, 1, 1, 30));
        assertEquals(List.of(), removable(kept, 2, 15, 40));
    }

    @Test
    void aBackupOnANewTimelineLeavesItsAncestorsBehindIncludingWhatTheOldPrimaryWroteAfterTheSwitch() {
        branch(2, "1\t" + at(15) + "\tno recovery target specified\n");
        List<BackupVerdict> kept = List.of(replayable(full(9, 2, 20, 21)));
        assertEquals(range(1, 30), removable(kept, 1, 1, 30), "timeline 1 before and after the switch");
        assertEquals(range(15, 19), removable(kept, 2, 15, 40));
    }

    /** Three timelines: 1 -> 2 at 15 -> 3 at 25; a kept backup on 1 replays into 2 and 3. */
    @Test
    void replayFollowsEveryTimelineThatLeavesTheBackupsTimelineAfterItsStart() {
        branch(2, "1\t" + at(15) + "\tx\n");
        branch(3, "1\t" + at(15) + "\tx\n2\t" + at(25) + "\ty\n");
        List<BackupVerdict> kept = List.of(replayable(full(1, 1, 10, 10)), replayable(full(9, 3, 30, 30)));
        assertEquals(range(1, 9), removable(kept, 1, 1, 40));
        assertEquals(List.of(), removable(kept, 2, 15, 40));
        assertEquals(List.of(), removable(kept, 3, 25, 40));
    }

    /**
     * A timeline that branched off before every kept backup (a copy restored for a test, still
     * archiving into the stanza; or the real cluster after a restore to an old point, whose
     * first backup may be running on another host) is not left behind by any of them: it stays.
     */
    @Test
    void aTimelineNoKeptBackupsHistoryPassesThroughStays() {
        branch(2, "1\t" + at(8) + "\tx\n");
        List<BackupVerdict> kept = List.of(replayable(full(5, 1, 20, 20)));
        assertEquals(List.of(), removable(kept, 2, 8, 40));
        assertEquals(range(1, 19), removable(kept, 1, 1, 19));
    }

    @Test
    void aTimelineWhoseHistoryFileIsMissingLeavesNoOtherTimelineBehind() {
        List<BackupVerdict> kept = List.of(replayable(full(5, 3, 20, 20)));
        assertEquals(range(1, 19), removable(kept, 3, 1, 40), "its own timeline before its start");
        assertEquals(List.of(), removable(kept, 1, 1, 40), "timeline 3's ancestors are unknown");
        branch(2, "1\t" + at(8) + "\tx\n");
        List<BackupVerdict> onOne = List.of(replayable(full(5, 1, 4, 4)));
        histories.remove(2);
        assertEquals(List.of(), removable(onOne, 2, 8, 40), "a timeline of unknown ancestry may descend from it");
    }

    @Test
    void withNoKeptBackupNothingGoes() {
        assertEquals(List.of(), removable(List.of(), 1, 1, 10));
    }
}
