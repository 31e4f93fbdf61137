package dev.pgvault.archiver.backup;

import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The backup a differential (the newest full) or incremental (the newest of any type) backup
 * builds on. With none to build on, or the newest on another timeline than the cluster (a
 * promotion since: its pages were not written by this timeline's WAL), a full is taken and the
 * {@code notice} says why. A parent whose own chain is broken is refused. The choice is made
 * from the backups' headers; only the parent's manifest is read whole.
 *
 * @param type what is taken: the type asked for, or full
 * @param parent null for a full
 * @param notice why a full is taken instead of the type asked for, or null
 */
public record ParentChoice(BackupType type, Manifest parent, String notice) {

    /** Reads a backup's whole manifest by its id. */
    @FunctionalInterface
    public interface Manifests {
        Manifest read(String id) throws IOException;
    }

    /**
     * {@code checksums}: whether the cluster has data checksums now. A parent taken with the other
     * setting is not built on: pg_checksums rewrites every page's checksum offline, without WAL
     * and without a new LSN.
     */
    public static ParentChoice choose(List<BackupHeader> backups, BackupType asked, int timeline, boolean checksums,
            Manifests manifests) throws IOException {
        if (asked == BackupType.FULL) {
            return new ParentChoice(BackupType.FULL, null, null);
        }
        BackupHeader newest = null;
        for (BackupHeader m : backups) {
            if ((asked == BackupType.INCR || m.type() == BackupType.FULL) && (newest == null || BackupStop.BY_STOP.compare(m, newest) > 0)) {
                newest = m;
            }
        }
        if (newest == null) {
            return new ParentChoice(BackupType.FULL, null, "no " + (asked == BackupType.DIFF ? "full " : "")
                    + "backup to build a" + (asked == BackupType.DIFF ? " differential" : "n incremental")
                    + " backup on: taking a full backup");
        }
        if (newest.timeline() != timeline) {
            return new ParentChoice(BackupType.FULL, null, "the newest backup, " + newest.id() + ", is on timeline "
                    + newest.timeline() + " and the cluster is on timeline " + timeline + ": taking a full backup");
        }
        if (newest.pageChecksums() != checksums) {
            return new ParentChoice(BackupType.FULL, null, "the newest backup, " + newest.id() + ", was taken with data checksums "
                    + (newest.pageChecksums() ? "on" : "off") + " and the cluster now has them " + (checksums ? "on" : "off")
                    + ": taking a full backup");
        }
        checkChain(newest, backups);
        return new ParentChoice(asked, manifests.read(newest.id()), null);
    }

    /** Every backup up {@code m}'s parent chain is in the repository, down to a full. */
    static void checkChain(BackupHeader m, List<BackupHeader> backups) throws BrokenChainException {
        Map<String, BackupHeader> byId = new HashMap<>();
        for (BackupHeader b : backups) {
            byId.put(b.id(), b);
        }
        Set<String> seen = new HashSet<>();
        for (BackupHeader at = m; at.parent() != null; ) {
            if (!seen.add(at.id())) {
                throw new BrokenChainException("backup " + m.id() + "'s parent chain loops at " + at.id()
                        + ": take a full backup (--type full)");
            }
            BackupHeader up = byId.get(at.parent());
            if (up == null) {
                throw new BrokenChainException("cannot build on backup " + m.id() + ": its chain needs backup " + at.parent()
                        + " (the parent of " + at.id() + "), which is not in the repository; take a full backup (--type full)");
            }
            at = up;
        }
    }
}
