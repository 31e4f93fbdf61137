package dev.pgvault.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.backup.BackupType;
import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.restore.recovery.RecoveryTarget;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackupChooserTest {
    static final ClusterIdentity CLUSTER = new ClusterIdentity(7312345678901234567L, 150004, 16 << 20, Instant.EPOCH);

    static Manifest backup(String id, String stopTime, String stopLsn) {
        Instant stop = Instant.parse(stopTime);
        return new Manifest(id, BackupType.FULL, null, stop.minusSeconds(60), stop, Lsn.parse("0/2000028"), Lsn.parse(stopLsn), 1,
                "000000010000000000000002", "000000010000000000000003", CLUSTER, true, "START WAL LOCATION: 0/2000028\n", null,
                List.of(), List.of(), List.of());
    }

    // Three backups a day apart, in catalog order.
    static final Manifest MON = backup("20261123-030000F", "2026-11-23T03:01:00Z", "0/5000100");
    static final Manifest TUE = backup("20261124-030000F", "2026-11-24T03:01:00Z", "0/9000100");
    static final Manifest WED = backup("20261125-030000F", "2026-11-25T03:01:00Z", "1/2000100");
    static final List<Manifest> WEEK = List.of(MON, TUE, WED);

    static RecoveryTarget time(String t) {
        return new RecoveryTarget.Time(Instant.parse(t));
    }

    static RecoveryTarget lsn(String l) {
        return new RecoveryTarget.AtLsn(Lsn.parse(l));
    }

    @Test
    void timeTargetsTakeTheNewestBackupThatFinishedByThen() throws Exception {
        assertEquals(MON, BackupChooser.choose(WEEK, time("2026-11-23T12:00:00Z")));
        assertEquals(TUE, BackupChooser.choose(WEEK, time("2026-11-24T03:01:00.000001Z")));
        assertEquals(MON, BackupChooser.choose(WEEK, time("2026-11-24T03:00:59.999999Z")), "TUE had not finished yet");
        assertEquals(WED, BackupChooser.choose(WEEK, time("2030-01-01T00:00:00Z")));
    }

    @Test
    void aStopTimeEqualToTheTargetCanReachIt() throws Exception {
        assertEquals(TUE, BackupChooser.choose(WEEK, time("2026-11-24T03:01:00Z")));
        assertEquals(MON, BackupChooser.choose(WEEK, time("2026-11-23T03:01:00Z")));
    }

    @Test
    void backupsWithEqualStopTimesAreOrderedByLsnThenId() throws Exception {
        Manifest a = backup("20261124-030000F", "2026-11-24T03:01:00Z", "0/9000100");
        Manifest b = backup("20261124-030001F", "2026-11-24T03:01:00Z", "0/9000100");
        Manifest c = backup("20261124-025959F", "2026-11-24T03:01:00Z", "0/9000200");
        assertEquals(b, BackupChooser.choose(List.of(a, b), time("2026-11-24T03:01:00Z")));
        assertEquals(b, BackupChooser.choose(List.of(b, a), time("2026-11-24T03:01:00Z")));
        assertEquals(c, BackupChooser.choose(List.of(a, b, c), time("2026-11-24T03:01:00Z")));
    }

    @Test
    void aTimeBeforeTheFirstBackupFinishedIsRefusedNamingTheEarliestBackup() {
        NoBackupForTargetException e = assertThrows(NoBackupForTargetException.class,
                () -> BackupChooser.choose(WEEK, time("2026-11-23T03:00:59Z")));
        assertEquals("no backup can reach recovery target time 2026-11-23 03:00:59+00: the earliest moment a restore can"
                + " reach is 2026-11-23 03:01:00+00, the end of the oldest backup, 20261123-030000F", e.getMessage());
        e = assertThrows(NoBackupForTargetException.class, () -> BackupChooser.choose(List.of(WED, MON, TUE), time("2020-01-01T00:00:00Z")));
        assertEquals(true, e.getMessage().contains("20261123-030000F"), "earliest whatever the order: " + e.getMessage());
    }

    @Test
    void lsnTargetsTakeTheNewestBackupThatStoppedAtOrBeforeIt() throws Exception {
        assertEquals(MON, BackupChooser.choose(WEEK, lsn("0/5000100")));
        assertEquals(MON, BackupChooser.choose(WEEK, lsn("0/90000FF")));
        assertEquals(TUE, BackupChooser.choose(WEEK, lsn("0/9000100")));
        assertEquals(TUE, BackupChooser.choose(WEEK, lsn("1/2000000")));
        assertEquals(WED, BackupChooser.choose(WEEK, lsn("FF/0")));
        NoBackupForTargetException e = assertThrows(NoBackupForTargetException.class, () -> BackupChooser.choose(WEEK, lsn("0/3000028")));
        assertEquals("no backup can reach recovery target LSN 0/3000028: the earliest LSN a restore can reach is"
                + " 0/5000100, the end of the oldest backup, 20261123-030000F", e.getMessage());
    }

    @Test
    void lsnsCompareUnsigned() throws Exception {
        Manifest high = backup("20261126-030000F", "2026-11-26T03:01:00Z", "FFFFFFFF/100");
        assertEquals(WED, BackupChooser.choose(List.of(MON, WED, high), lsn("80000000/0")));
        assertEquals(high, BackupChooser.choose(List.of(MON, WED, high), lsn("FFFFFFFF/FFFFFFFF")));
    }

    @Test
    void xidNameImmediateAndEndTakeTheNewestBackup() throws Exception {
        for (RecoveryTarget t : List.of(new RecoveryTarget.Xid(1000), new RecoveryTarget.Name("p"), new RecoveryTarget.Immediate(),
                new RecoveryTarget.EndOfArchive())) {
            assertEquals(WED, BackupChooser.choose(WEEK, t), t.describe());
            assertEquals(WED, BackupChooser.choose(List.of(WED, MON, TUE), t), t.describe());
            assertEquals(MON, BackupChooser.choose(List.of(MON), t), t.describe());
        }
    }

    @Test
    void noBackupsAtAll() {
        for (RecoveryTarget t : List.of(new RecoveryTarget.EndOfArchive(), time("2026-11-23T12:00:00Z"), lsn("0/1"))) {
            NoBackupForTargetException e = assertThrows(NoBackupForTargetException.class, () -> BackupChooser.choose(List.of(), t));
            assertEquals("the stanza has no backups: run 'pgvault backup' first", e.getMessage());
        }
    }

    @Test
    void aNamedBackupMustReachTheTarget() throws Exception {
        assertEquals(TUE, BackupChooser.check(TUE, time("2026-11-25T00:00:00Z")));
        assertEquals(TUE, BackupChooser.check(TUE, new RecoveryTarget.Immediate()));
        NoBackupForTargetException e = assertThrows(NoBackupForTargetException.class,
                () -> BackupChooser.check(WED, time("2026-11-25T00:00:00Z")));
        assertEquals("backup 20261125-030000F cannot reach recovery target time 2026-11-25 00:00:00+00: it finished at"
                + " 2026-11-25 03:01:00+00 (leave out --backup to use the newest backup that can)", e.getMessage());
        assertThrows(NoBackupForTargetException.class, () -> BackupChooser.check(WED, lsn("1/0")));
    }

    /** Over many random catalogs, the choice equals a brute-force definition of "newest that can reach". */
    @Test
    void agreesWithBruteForceOverRandomCatalogs() throws Exception {
        Random rnd = new Random(42);
        for (int round = 0; round < 2000; round++) {
            List<Manifest> catalog = new ArrayList<>();
            int n = rnd.nextInt(6);
            for (int i = 0; i < n; i++) {
                long sec = 1_800_000_000L + rnd.nextInt(50) * 60L; // few distinct values: many ties
                long lsn = rnd.nextInt(40) * 0x1000000L;
                catalog.add(backup(String.format("2027%04d-000000F", i), Instant.ofEpochSecond(sec).toString(), new Lsn(lsn).toString()));
            }
            Collections.shuffle(catalog, rnd);
            RecoveryTarget target = rnd.nextBoolean()
                    ? new RecoveryTarget.Time(Instant.ofEpochSecond(1_800_000_000L + rnd.nextInt(52) * 60L - 60))
                    : new RecoveryTarget.AtLsn(new Lsn(rnd.nextInt(42) * 0x1000000L - 0x1000000L + 0x1000000L));
            Manifest expected = null;
            for (Manifest m : catalog) {
                boolean fits = target instanceof RecoveryTarget.Time t ? !m.stopTime().isAfter(t.instant())
                        : m.stopLsn().compareTo(((RecoveryTarget.AtLsn) target).lsn()) <= 0;
                if (fits && (expected == null || BackupChooser.NEWEST.compare(m, expected) > 0)) {
                    expected = m;
                }
            }
            if (expected == null) {
                assertThrows(NoBackupForTargetException.class, () -> BackupChooser.choose(catalog, target));
            } else {
                Manifest chosen = BackupChooser.choose(catalog, target);
                assertEquals(expected, chosen);
                if (target instanceof RecoveryTarget.Time t) {
                    for (Manifest m : catalog) {
                        // nothing that could reach the target finished later than the choice
                        assertEquals(false, !m.stopTime().isAfter(t.instant()) && m.stopTime().isAfter(chosen.stopTime()));
                    }
                }
            }
        }
    }
}
