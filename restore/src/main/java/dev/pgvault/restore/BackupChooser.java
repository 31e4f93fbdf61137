package dev.pgvault.restore;

import dev.pgvault.archiver.backup.BackupStop;
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
    static final Comparator<BackupStop> NEWEST = BackupStop.BY_STOP;

    private BackupChooser() {}

    /** The newest of {@code backups} that can reach {@code target}. */
    public static <B extends BackupStop> B choose(List<B> backups, RecoveryTarget target) throws NoBackupForTargetException {
        if (backups.isEmpty()) {
            throw new NoBackupForTargetException("the stanza has no backups: run 'pgvault backup' first");
        }
        return backups.stream().filter(b -> canReach(b, target)).max(NEWEST).orElseThrow(() -> {
            B earliest = backups.stream().min(target instanceof RecoveryTarget.AtLsn
                    ? Comparator.comparing(BackupStop::stopLsn).thenComparing(NEWEST) : NEWEST).orElseThrow();
            return new NoBackupForTargetException("no backup can reach " + target.describe() + ": the earliest "
                    + (target instanceof RecoveryTarget.AtLsn ? "LSN" : "moment") + " a restore can reach is "
                    + end(earliest, target) + ", the end of the oldest backup, " + earliest.id());
        });
    }

    /** {@code backup}, named by the user, if it can reach {@code target}. */
    public static <B extends BackupStop> B check(B backup, RecoveryTarget target) throws NoBackupForTargetException {
        if (!canReach(backup, target)) {
            throw new NoBackupForTargetException("backup " + backup.id() + " cannot reach " + target.describe() + ": it "
                    + stopped(backup, target) + " (leave out --backup to use the newest backup that can)");
        }
        return backup;
    }

    public static boolean canReach(BackupStop backup, RecoveryTarget target) {
        if (target instanceof RecoveryTarget.Time t) {
            return !backup.stopTime().isAfter(t.instant());
        }
        if (target instanceof RecoveryTarget.AtLsn l) {
            return backup.stopLsn().compareTo(l.lsn()) <= 0;
        }
        return true;
    }

    private static String end(BackupStop backup, RecoveryTarget target) {
        return target instanceof RecoveryTarget.AtLsn ? backup.stopLsn().toString() : TargetTime.format(backup.stopTime());
    }

    private static String stopped(BackupStop backup, RecoveryTarget target) {
        if (target instanceof RecoveryTarget.AtLsn) {
            return "stops at LSN " + backup.stopLsn();
        }
        return "finished at " + TargetTime.format(backup.stopTime());
    }
}
