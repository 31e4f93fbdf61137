package dev.pgvault.restore;

import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.restore.recovery.RecoveryTarget;
import dev.pgvault.restore.recovery.TargetTime;
import java.util.Comparator;
import java.util.List;

/**
 * Which backup a restore starts from: a pure function of the catalog and the target. Recovery
 * can only move forward from where a backup became consistent, so a backup fits a time target
 * when it stopped at or before that time, and an LSN target when its stop LSN is at or before
 * it. Xid, name, immediate and end-of-archive targets cannot be placed before replay: the newest
 * backup is the one that replays least.
 */
public final class BackupChooser {
    /** Newest last: by stop time, then stop LSN, then id (ids sort by start time). */
    static final Comparator<Manifest> NEWEST = Comparator.comparing(Manifest::stopTime)
            .thenComparing(Manifest::stopLsn).thenComparing(Manifest::id);

    private BackupChooser() {}

    /** The newest of {@code backups} that can reach {@code target}. */
    public static Manifest choose(List<Manifest> backups, RecoveryTarget target) throws NoBackupForTargetException {
        if (backups.isEmpty()) {
            throw new NoBackupForTargetException("the stanza has no backups: run 'pgvault backup' first");
        }
        return backups.stream().filter(b -> canReach(b, target)).max(NEWEST).orElseThrow(() -> {
            Manifest earliest = backups.stream().min(target instanceof RecoveryTarget.AtLsn
                    ? Comparator.comparing(Manifest::stopLsn).thenComparing(NEWEST) : NEWEST).orElseThrow();
            return new NoBackupForTargetException("no backup can reach " + target.describe() + ": the earliest backup, "
                    + earliest.id() + ", " + stopped(earliest, target));
        });
    }

    /** {@code backup}, named by the user, if it can reach {@code target}. */
    public static Manifest check(Manifest backup, RecoveryTarget target) throws NoBackupForTargetException {
        if (!canReach(backup, target)) {
            throw new NoBackupForTargetException("backup " + backup.id() + " cannot reach " + target.describe() + ": it "
                    + stopped(backup, target) + " (leave out --backup to use the newest backup that can)");
        }
        return backup;
    }

    public static boolean canReach(Manifest backup, RecoveryTarget target) {
        if (target instanceof RecoveryTarget.Time t) {
            return !backup.stopTime().isAfter(t.instant());
        }
        if (target instanceof RecoveryTarget.AtLsn l) {
            return backup.stopLsn().compareTo(l.lsn()) <= 0;
        }
        return true;
    }

    private static String stopped(Manifest backup, RecoveryTarget target) {
        if (target instanceof RecoveryTarget.AtLsn) {
            return "stops at LSN " + backup.stopLsn();
        }
        return "finished at " + TargetTime.format(backup.stopTime());
    }
}
