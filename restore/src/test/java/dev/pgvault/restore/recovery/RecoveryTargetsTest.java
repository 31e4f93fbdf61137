package dev.pgvault.restore.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.wal.Lsn;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RecoveryTargetsTest {

    private static RecoveryTarget of(String time, String lsn, String xid, String name, boolean immediate) {
        return RecoveryTargets.of(time, lsn, xid, name, immediate, ZoneOffset.UTC);
    }

    @Test
    void eachKindOfTargetAndItsSetting() {
        RecoveryTarget time = of("2026-11-26 03:15:00+01", null, null, null, false);
        assertEquals(new RecoveryTarget.Time(Instant.parse("2026-11-26T02:15:00Z")), time);
        assertEquals(Optional.of(new RecoveryTarget.Setting("recovery_target_time", "2026-11-26 02:15:00+00")), time.setting());

        RecoveryTarget lsn = of(null, "0/3000028", null, null, false);
        assertEquals(new RecoveryTarget.AtLsn(Lsn.parse("0/3000028")), lsn);
        assertEquals("0/3000028", lsn.setting().orElseThrow().value());
        assertEquals("recovery_target_lsn", lsn.setting().orElseThrow().name());

        RecoveryTarget xid = of(null, null, "742", null, false);
        assertEquals(new RecoveryTarget.Xid(742), xid);
        assertEquals(new RecoveryTarget.Setting("recovery_target_xid", "742"), xid.setting().orElseThrow());
        assertEquals(new RecoveryTarget.Xid(4294967296L + 742), of(null, null, "4294968038", null, false),
                "epoch-extended ids, as txid_current() prints them, pass through");

        RecoveryTarget name = of(null, null, null, "before the migration", false);
        assertEquals(new RecoveryTarget.Setting("recovery_target_name", "before the migration"), name.setting().orElseThrow());

        RecoveryTarget immediate = of(null, null, null, null, true);
        assertEquals(new RecoveryTarget.Setting("recovery_target", "immediate"), immediate.setting().orElseThrow());

        RecoveryTarget none = of(null, null, null, null, false);
        assertInstanceOf(RecoveryTarget.EndOfArchive.class, none);
        assertTrue(none.setting().isEmpty());
    }

    @Test
    void onlyOneTargetAtATime() {
        InvalidTargetException e = assertThrows(InvalidTargetException.class,
                () -> of("2026-11-26 03:15:00+00", "0/3000028", null, null, false));
        assertEquals("give at most one recovery target, not --target-time and --target-lsn", e.getMessage());
        e = assertThrows(InvalidTargetException.class, () -> of(null, null, "5", "n", true));
        assertEquals("give at most one recovery target, not --target-xid and --target-name and --target-immediate", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"3000028", "0/", "/3000028", "0/300002G", "123456789/0", "x"})
    void refusesBadLsns(String lsn) {
        InvalidTargetException e = assertThrows(InvalidTargetException.class, () -> of(null, lsn, null, null, false));
        assertTrue(e.getMessage().contains("is not an LSN (expected like 0/3000028)"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "2", "-5", "abc", "1.5", "", "99999999999999999999", "4294967296"})
    void refusesXidsThatNoTransactionHas(String xid) {
        assertThrows(InvalidTargetException.class, () -> of(null, null, xid, null, false));
    }

    @Test
    void restorePointNamesFitPostgresLimit() {
        assertEquals("a".repeat(63), ((RecoveryTarget.Name) of(null, null, null, "a".repeat(63), false)).name());
        assertThrows(InvalidTargetException.class, () -> of(null, null, null, "a".repeat(64), false));
        assertThrows(InvalidTargetException.class, () -> of(null, null, null, "", false));
    }

    @Test
    void actionAndInclusiveNeedATargetTheyApplyTo() {
        RecoveryTarget time = of("2026-11-26 03:15:00+00", null, null, null, false);
        assertEquals(TargetAction.PROMOTE, new RecoveryOptions(time, TargetAction.parse("Promote"), true, null).effectiveAction());
        assertEquals(TargetAction.PAUSE, new RecoveryOptions(time, null, false, null).effectiveAction());
        InvalidTargetException e = assertThrows(InvalidTargetException.class,
                () -> new RecoveryOptions(new RecoveryTarget.EndOfArchive(), TargetAction.PROMOTE, false, null));
        assertTrue(e.getMessage().startsWith("--target-action needs a recovery target"), e.getMessage());
        assertThrows(InvalidTargetException.class, () -> new RecoveryOptions(new RecoveryTarget.Name("n"), null, true, null));
        assertThrows(InvalidTargetException.class, () -> new RecoveryOptions(new RecoveryTarget.Immediate(), null, true, null));
        assertThrows(InvalidTargetException.class, () -> TargetAction.parse("resume"));
    }

    @Test
    void timelines() {
        assertEquals("latest", TargetTimeline.parse("latest").setting());
        assertEquals("current", TargetTimeline.parse("CURRENT").setting());
        assertEquals("3", TargetTimeline.parse("3").setting());
        assertThrows(InvalidTargetException.class, () -> TargetTimeline.parse("0"));
        assertThrows(InvalidTargetException.class, () -> TargetTimeline.parse("newest"));
        assertThrows(InvalidTargetException.class, () -> TargetTimeline.parse("4294967296"));
    }
}
