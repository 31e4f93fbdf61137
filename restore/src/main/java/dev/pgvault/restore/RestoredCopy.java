package dev.pgvault.restore;

import dev.pgvault.archiver.backup.BackupId;
import dev.pgvault.archiver.backup.FileEntry;
import dev.pgvault.archiver.backup.FilePart;
import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.archiver.backup.PageRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What a delta restore with {@code --trust-times} takes without reading it: the files that a
 * finished pgvault restore of one backup left in the directory, untouched since.
 *
 * <p>Which backup: the one whose backup_label the directory holds, word for word. A restore (or a
 * delta restore) writes backup_label only after every file is restored, checked and durable; a
 * delta restore deletes it, durably, before it changes anything. So a backup_label in the
 * directory means the last pgvault restore into it finished and the cluster was not started since.
 *
 * <p>A copy started since (a standby to reseed, a test copy that ran): PostgreSQL renames
 * backup_label to backup_label.old as it starts, and tablespace_map to tablespace_map.old, both
 * unchanged. The old label then names the backup whose restore wrote the files the cluster has
 * not written to since, and is taken only when nothing else could have put it there
 * ({@link RestoredLabel}): there is no backup_label (one of another tool, a finished pg_rewind's
 * say, decides alone, and PostgreSQL renames it over the old one as it starts); the old label has
 * the time the restore gave it, to the nanosecond, and has not been written since (pg_rewind
 * copies a source's backup_label.old before it fails, say); global/pg_control is there (a delta
 * restore deletes it first, and any restore writes it last, so one that did not finish leaves
 * none) and says the cluster shut down cleanly (so every write since the start is on disk with
 * its times); a restore never writes one from a backup, and a delta restore deletes the copy's,
 * durably, before it changes anything. PostgreSQL's own writes since the start set both times of
 * a file to the moment of the write, so such a file is read, as any file changed after a restore.
 *
 * <p>Untouched: a restore sets each file's modification time to the backup's, in whole seconds.
 * A later write sets the modification time and the change time both to the moment of the write,
 * to the nanosecond, and the time of a restore's file is set after it is written, so its change
 * time is later. A file is taken as the restore wrote it only when its size is the backup's, it
 * has no other name, its modification time is the backup's to the nanosecond, and its change time
 * differs from it. What this cannot see: bytes changed without a write through the file system
 * (a failing disk), and a modification time set back by hand ({@code touch -d}, {@code cp -p}
 * from another copy). That is why it is asked for, not the default: a delta restore otherwise
 * reads and hashes every file.
 *
 * <p>What the restored file holds is then known from that backup's manifest: its SHA-256, or the
 * SHA-256 of each part. A file is the new backup's when those are equal, and differs from it when
 * they are not, with no read. A file the earlier backup stored as pages over an older copy has no
 * digest of its own: it is kept without being read when the new backup stores it as the same pages over
 * the same base (see {@link #judgePaged}), else it is read, as are files split at other places.
 */
final class RestoredCopy {
    /** Nothing taken on trust. */
    static final RestoredCopy NONE = new RestoredCopy(null, Map.of(), RestoredLocations.NONE, null);

    private static final String LABEL_PREFIX = "LABEL: pgvault ";

    /** The backup the finished restore wrote, whose entries {@link #files} are. */
    private final String backupId;
    private final Map<String, FileEntry> files;
    private final RestoredLocations locations;
    private final String whyNone;

    private RestoredCopy(String backupId, Map<String, FileEntry> files, RestoredLocations locations, String whyNone) {
        this.backupId = backupId;
        this.files = files;
        this.locations = locations;
        this.whyNone = whyNone;
    }

    /**
     * The backup a finished restore left in {@code pgdata}, when its backup_label names one of
     * {@code restoring}'s cluster in the repository and is that backup's word for word; else a
     * copy that trusts nothing and says why ({@link #whyNone}).
     */
    static RestoredCopy find(Path pgdata, Manifests manifests, Manifest restoring) {
        RestoredLabel found = RestoredLabel.in(pgdata);
        if (found.whyNone() != null) {
            return none(found.whyNone());
        }
        String label = found.text();
        String named = found.file().getFileName() + " in " + pgdata;
        String id = labelledId(label);
        if (id == null) {
            return none(named + " is not of a pgvault backup");
        }
        Optional<Manifest> backup;
        try {
            backup = manifests.find(id);
        } catch (IOException e) { // every file is then read, as without --trust-times
            return none("the manifest of backup " + id + ", which " + named + " names, cannot be read: " + e.getMessage());
        }
        if (backup.isEmpty()) {
            return none("backup " + id + ", which " + named + " names, is not in the repository");
        }
        Manifest m = backup.get();
        if (!label.equals(m.backupLabel()) || !m.cluster().sameClusterAs(restoring.cluster())) {
            return none(named + " is not backup " + id + "'s");
        }
        if (found.renamed()) {
            String notAsWritten = found.whyNotAsWritten(m);
            if (notAsWritten != null) {
                return none(notAsWritten);
            }
        }
        Map<String, FileEntry> byPath = new HashMap<>();
        m.files().forEach(f -> byPath.put(f.path(), f));
        // an old map not as the restore wrote it trusts no tablespace: the data directory's files still
        RestoredLocations locations = found.renamed() && !found.mapAsWrittenOrNone(m) ? RestoredLocations.NONE
                : RestoredLocations.before(pgdata, found.mapFileName());
        return new RestoredCopy(m.id(), Map.copyOf(byPath), locations, null);
    }

    /** Where {@link #find} looks up the manifest of the backup a label names: empty when there is none. */
    @FunctionalInterface
    interface Manifests {
        Optional<Manifest> find(String id) throws IOException;
    }

    private static RestoredCopy none(String why) {
        return new RestoredCopy(null, Map.of(), RestoredLocations.NONE, why);
    }

    private static String labelledId(String label) {
        for (String line : label.split("\n")) {
            if (line.startsWith(LABEL_PREFIX)) {
                String id = line.substring(LABEL_PREFIX.length()).strip();
                return BackupId.isWellFormed(id) ? id : null;
            }
        }
        return null;
    }

    /** Whether a backup's restore was found, whose untouched files may be judged. */
    boolean vouches() {
        return backupId != null;
    }

    /** Why nothing is taken on trust, or null when something may be. */
    String whyNone() {
        return whyNone;
    }

    /**
     * What the file at {@code file} is known to hold against {@code wanted}, the new backup's
     * entry for it, without reading it: {@link FileJudgement#UNKNOWN} unless the file is untouched
     * since the restore wrote it and both backups record a digest for the same ranges.
     */
    FileJudgement judge(Path file, FileEntry wanted) throws IOException {
        FileEntry restored = files.get(wanted.path());
        Integer mode = restored == null || restored.paged() ? null : untouchedMode(file, restored);
        if (mode == null) {
            return FileJudgement.UNKNOWN;
        }
        // its time is the restored backup's (untouched); its mode as found
        FileJudgement same = FileJudgement.same(mode == wanted.mode() && restored.mtime() == wanted.mtime());
        if (!wanted.split() && !restored.split()) {
            if (wanted.sha256() == null || restored.sha256() == null) {
                return FileJudgement.UNKNOWN;
            }
            boolean equal = wanted.size() == restored.size() && wanted.sha256().equalsIgnoreCase(restored.sha256());
            return equal ? same : FileJudgement.differs(List.of());
        }
        if (wanted.split() && restored.split() && sameRanges(wanted.parts(), restored.parts())) {
            List<Long> differ = new java.util.ArrayList<>();
            for (int i = 0; i < wanted.parts().size(); i++) {
                FilePart w = wanted.parts().get(i);
                if (!w.sha256().equalsIgnoreCase(restored.parts().get(i).sha256())) {
                    differ.add(w.offset());
                }
            }
            return differ.isEmpty() ? same : FileJudgement.differs(differ);
        }
        return FileJudgement.UNKNOWN;
    }

    /**
     * What the file at {@code listed}'s path is known to hold against {@code listed}, an entry
     * the backup {@code listingId} stores as pages over an earlier copy: the same as the
     * restored backup's entry when that one was assembled from the same base and the same page
     * runs to the same size (an incremental that found the file unchanged since the restored
     * one), and the file is untouched since; else {@link FileJudgement#UNKNOWN}.
     */
    FileJudgement judgePaged(Path file, FileEntry listed, String listingId) throws IOException {
        FileEntry restored = files.get(listed.path());
        if (restored == null || !restored.paged() || !sameAssembly(restored, backupId, listed, listingId)) {
            return FileJudgement.UNKNOWN;
        }
        Integer mode = untouchedMode(file, restored);
        if (mode == null) {
            return FileJudgement.UNKNOWN;
        }
        return FileJudgement.same(mode == listed.mode() && restored.mtime() == listed.mtime());
    }

    /** Whether two paged entries, each of the backup it is listed by, are the same base and the same runs in order. */
    private static boolean sameAssembly(FileEntry a, String aOwner, FileEntry b, String bOwner) {
        if (a.size() != b.size() || !a.base().equals(b.base()) || a.pages().size() != b.pages().size()) {
            return false;
        }
        for (int i = 0; i < a.pages().size(); i++) {
            PageRun x = a.pages().get(i);
            PageRun y = b.pages().get(i);
            if (!x.backupOr(aOwner).equals(y.backupOr(bOwner)) || !x.object().equals(y.object())
                    || !x.sha256().equalsIgnoreCase(y.sha256()) || !x.blocks().equals(y.blocks())) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameRanges(List<FilePart> a, List<FilePart> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i).offset() != b.get(i).offset() || a.get(i).size() != b.get(i).size()
                    || a.get(i).sha256() == null || b.get(i).sha256() == null) {
                return false;
            }
        }
        return true;
    }

    /**
     * The permission bits of {@code file} when it is as a restore of {@code restored} left it
     * (see the class comment), in PGDATA or a tablespace location that restore wrote, else null.
     */
    private Integer untouchedMode(Path file, FileEntry restored) throws IOException {
        if (!locations.wrote(restored.path())) {
            return null;
        }
        Map<String, Object> a;
        try {
            a = Files.readAttributes(file, ATTRIBUTES + ",size,mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
        boolean untouched = ((Number) a.get("size")).longValue() == restored.size()
                && whyTouched(a, FileTime.from(restored.mtime(), TimeUnit.SECONDS)) == null;
        return untouched ? ((Number) a.get("mode")).intValue() & 07777 : null;
    }

    /** What {@link #whyTouched} reads of a file. */
    static final String ATTRIBUTES = "unix:isRegularFile,nlink,lastModifiedTime,ctime";

    /**
     * Null when a file with attributes {@code a} ({@link #ATTRIBUTES}) is as a restore that gave it
     * the time {@code written} left it (see the class comment), else what shows it is not.
     */
    static String whyTouched(Map<String, Object> a, FileTime written) {
        FileTime mtime = (FileTime) a.get("lastModifiedTime");
        return !Boolean.TRUE.equals(a.get("isRegularFile")) ? "not a regular file"
                : ((Number) a.get("nlink")).intValue() != 1 ? "it has another hard link"
                : !mtime.equals(written) ? "its time is " + mtime + ", not the " + written + " the restore gave it"
                : mtime.equals(a.get("ctime")) ? "its change time is its modification time" : null;
    }
}
