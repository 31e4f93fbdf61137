package dev.pgvault.archiver.expire;

import static dev.pgvault.archiver.expire.Backups.DAY0;
import static dev.pgvault.archiver.expire.Backups.full;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.backup.BackupHeader;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Retention decisions on hand-made catalogs, with "now" given: weeks of backups without waiting. */
class RetentionPlanTest {

    /** A nightly full backup on days 0..n-1. */
    private static List<BackupHeader> nightly(int n) {
        List<BackupHeader> out = new ArrayList<>();
        for (int d = 0; d < n; d++) {
            out.add(full(d, 1, 10L * d + 2, 10L * d + 3));
        }
        return out;
    }

    private static RetentionPolicy keepFull(int n) {
        return new RetentionPolicy(OptionalInt.of(n), Optional.empty());
    }

    private static RetentionPolicy window(String w) {
        return new RetentionPolicy(OptionalInt.empty(), Optional.of(RetentionDuration.parse(w)));
    }

    private static Instant day(double d) {
        return DAY0.plus(Duration.ofMinutes(Math.round(d * 24 * 60)));
    }

    private static List<String> kept(List<BackupVerdict> verdicts) {
        return verdicts.stream().filter(BackupVerdict::keep).map(v -> v.backup().id()).toList();
    }

    private static List<String> ids(List<BackupHeader> backups, int... indexes) {
        List<String> out = new ArrayList<>();
        for (int i : indexes) {
            out.add(backups.get(i).id());
        }
        return out;
    }

    @Test
    void withNoRuleNothingExpires() {
        List<BackupHeader> b = nightly(4);
        List<BackupVerdict> v = RetentionPlan.decide(b, Set.of(), RetentionPolicy.NONE, day(400));
        assertEquals(ids(b, 0, 1, 2, 3), kept(v));
        assertTrue(v.stream().allMatch(x -> x.reason().equals("no retention set") && x.replayable()));
    }

    @Test
    void fullKeepsTheNewestNFullsAndNamesWhyTheOthersGo() {
        List<BackupHeader> b = nightly(5);
        List<BackupVerdict> v = RetentionPlan.decide(b, Set.of(), keepFull(2), day(5));
        assertEquals(ids(b, 3, 4), kept(v));
        assertEquals("beyond retention full=2", v.get(0).reason());
        assertEquals("retention full=2", v.get(3).reason());
        assertEquals("newest backup, retention full=2", v.get(4).reason());
        assertTrue(v.get(3).replayable());
    }

    @Test
    void aPinnedBackupStaysButKeepsOnlyItsOwnWal() {
        List<BackupHeader> b = nightly(5);
        List<BackupVerdict> v = RetentionPlan.decide(b, Set.of(b.get(0).id()), keepFull(2), day(5));
        assertEquals(ids(b, 0, 3, 4), kept(v));
        assertEquals("pinned", v.get(0).reason());
        assertTrue(v.get(0).pinned());
        assertFalse(v.get(0).replayable(), "the WAL after a pinned backup's stop may go");
        assertFalse(v.get(1).keep());
    }

    /** Every moment of the window restorable: the backups inside it and the last one before it. */
    @Test
    void windowKeepsWhatRestoresToEveryMomentOfIt() {
        List<BackupHeader> b = nightly(20);
        // now: day 19 at 14:00; a 7-day window starts on day 12 at 14:00, after backup 12 stopped
        List<BackupVerdict> v = RetentionPlan.decide(b, Set.of(), window("7d"), day(19.5));
        assertEquals(ids(b, 12, 13, 14, 15, 16, 17, 18, 19), kept(v));
        assertTrue(v.get(12).reason().startsWith("retention window=7d (restores to its start, 2026-11-13 14:00:00 UTC)"),
                v.get(12).reason());
        assertEquals("beyond retention window=7d", v.get(11).reason());
    }

    @Test
    void aWindowWithNoBackupInsideStillKeepsTheNewest() {
        List<BackupHeader> b = nightly(3);
        List<BackupVerdict> v = RetentionPlan.decide(b, Set.of(), window("1h"), day(30));
        assertEquals(ids(b, 2), kept(v));
    }

    @Test
    void eitherRuleKeepsABackup() {
        List<BackupHeader> b = nightly(20);
        RetentionPolicy both = keepFull(10).overriddenBy(window("3d"));
        assertEquals("full=10, window=3d", both.describe());
        List<BackupVerdict> v = RetentionPlan.decide(b, Set.of(), both, day(19.5));
        assertEquals(ids(b, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19), kept(v));
        List<BackupVerdict> w = RetentionPlan.decide(b, Set.of(), keepFull(2).overriddenBy(window("5d")), day(19.5));
        assertEquals(ids(b, 14, 15, 16, 17, 18, 19), kept(w));
        assertEquals("beyond retention full=2, window=5d", w.get(13).reason());
    }

    @Test
    void commandLineRulesOverrideTheFilesOneByOne() {
        RetentionPolicy file = keepFull(2).overriddenBy(window("14d"));
        assertEquals("full=5, window=14d", file.overriddenBy(keepFull(5)).describe());
        assertEquals("full=2, window=1d", file.overriddenBy(window("1d")).describe());
        assertEquals("full=2, window=14d", file.overriddenBy(RetentionPolicy.NONE).describe());
        assertEquals("window=14d", window("2w").describe());
    }

    @Test
    void badRulesAndDurationsAreRefusedNamingTheValue() {
        assertThrows(IllegalArgumentException.class, () -> keepFull(0));
        assertThrows(IllegalArgumentException.class, () -> keepFull(-1));
        for (String bad : List.of("3x", "14", "d", "-1d", "1.5d", "0d", " ", "99999999999d")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RetentionDuration.parse(bad));
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
        assertEquals(Duration.ofDays(14), RetentionDuration.parse("14d"));
        assertEquals(Duration.ofHours(36), RetentionDuration.parse("36h"));
        assertEquals("36h", RetentionDuration.format(Duration.ofHours(36)));
        assertEquals("90s", RetentionDuration.format(Duration.ofSeconds(90)));
    }
}
