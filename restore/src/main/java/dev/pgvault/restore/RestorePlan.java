package dev.pgvault.restore;

import dev.pgvault.archiver.backup.DirectoryEntry;
import dev.pgvault.archiver.backup.FileEntry;
import dev.pgvault.archiver.backup.FilePart;
import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.archiver.backup.StoredObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a restore of one manifest does, checked before anything is written: the directories
 * (parents first), the tablespace links, the empty files, and the objects to read, largest first
 * so the last object to finish is a small one.
 *
 * <p>Files that steer recovery are never restored from the backup: pgvault writes backup_label
 * and tablespace_map from the manifest and recovery.signal or standby.signal itself, last. global/pg_control is
 * restored under a temporary name and renamed into place at the end, so a half-restored
 * directory cannot be started.
 *
 * <p>A split file is one task per part; it is created before the workers start ({@code
 * splitFiles}), each part is written into its range, and the last part written finishes the file
 * (mode, time, fsync).
 *
 * <p>A file an incremental or differential backup stored as pages is restored in two steps: its
 * base, an earlier backup's whole copy, like any file (so a delta restore keeps or patches it
 * like any file), then, once every object is written, its page runs over it ({@code pagedFiles},
 * {@link PagePatcher}).
 *
 * @param rootMode the mode the manifest records for PGDATA itself, or 0 when it does not
 * @param patched files a delta restore writes over in place, only the blocks that differ (see {@link DeltaSync})
 */
public record RestorePlan(
        Manifest manifest,
        int rootMode,
        List<DirectoryEntry> directories,
        List<DirectoryEntry> tablespaceLinks,
        List<FileEntry> emptyFiles,
        List<FileEntry> splitFiles,
        List<ObjectTask> objects,
        List<FileEntry> pagedFiles,
        List<String> skipped,
        Set<String> patched) {

    static final String PG_CONTROL = "global/pg_control";
    static final String STAGING_SUFFIX = ".pgvault-restore";
    /**
     * Written by the restore itself, or never: the old label and map name the backup an earlier
     * restore of the backed-up cluster wrote, and in a copy would vouch for files this restore
     * wrote ({@link RestoredCopy}). A backup keeps them, as pg_basebackup does.
     */
    private static final Set<String> NOT_RESTORED = Set.of(
            "backup_label", "tablespace_map", "recovery.signal", "standby.signal", "postmaster.pid",
            RestoredLabel.BACKUP_LABEL_OLD, RestoredLabel.TABLESPACE_MAP_OLD);

    public RestorePlan {
        directories = List.copyOf(directories);
        tablespaceLinks = List.copyOf(tablespaceLinks);
        emptyFiles = List.copyOf(emptyFiles);
        splitFiles = List.copyOf(splitFiles);
        objects = List.copyOf(objects);
        pagedFiles = List.copyOf(pagedFiles);
        skipped = List.copyOf(skipped);
        patched = Set.copyOf(patched);
    }

    /** The plan of a backup whose files are all its own (a full backup). */
    public static RestorePlan of(Manifest m) throws InvalidManifestException {
        return of(m, Map.of(m.id(), m));
    }

    /**
     * The plan of {@code m}, whose files may be held by earlier backups of its chain: {@code
     * backups} holds at least those, by id.
     */
    public static RestorePlan of(Manifest m, Map<String, Manifest> backups) throws InvalidManifestException {
        if (m.backupLabel() == null || m.backupLabel().isBlank()) {
            throw new InvalidManifestException("backup manifest of " + m.id() + " has no backup_label: the backup cannot be recovered");
        }
        int rootMode = 0;
        List<DirectoryEntry> dirs = new ArrayList<>();
        List<DirectoryEntry> links = new ArrayList<>();
        Set<String> dirPaths = new HashSet<>();
        for (DirectoryEntry d : m.directories()) {
            if (ManifestPaths.isRoot(d.path())) {
                rootMode = d.mode();
                continue;
            }
            ManifestPaths.check(d.path(), "directory");
            if (!dirPaths.add(d.path())) {
                throw new InvalidManifestException("backup manifest lists directory '" + d.path() + "' twice");
            }
            if (d.linkTarget() == null) {
                dirs.add(d);
            } else if (!ManifestPaths.isTablespaceLink(d.path()) || !Path.of(d.linkTarget()).isAbsolute()) {
                throw new InvalidManifestException("backup manifest lists a link other than pg_tblspc/<oid> -> an absolute path: '"
                        + d.path() + "' -> '" + d.linkTarget() + "'");
            } else {
                links.add(d);
            }
        }
        dirs.sort(Comparator.comparing(DirectoryEntry::path)); // "a" before "a/b": parents first

        ChainObjects chain = new ChainObjects(m, backups);
        Map<String, List<FileEntry>> filesByObject = new LinkedHashMap<>();
        List<FileEntry> empty = new ArrayList<>();
        List<FileEntry> split = new ArrayList<>();
        List<ObjectTask> tasks = new ArrayList<>();
        List<FileEntry> paged = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Set<String> filePaths = new HashSet<>();
        for (FileEntry listed : m.files()) {
            ManifestPaths.check(listed.path(), "file");
            if (!filePaths.add(listed.path()) || dirPaths.contains(listed.path())) {
                throw new InvalidManifestException("backup manifest lists '" + listed.path() + "' twice");
            }
            if (listed.size() < 0 || listed.offset() < 0) {
                throw new InvalidManifestException("backup manifest lists file '" + listed.path() + "' with a negative size or offset");
            }
            if (NOT_RESTORED.contains(listed.path())) {
                skipped.add(listed.path());
                continue;
            }
            FileEntry f = listed;
            if (listed.paged()) {
                chain.checkRuns(listed);
                paged.add(listed);
                f = listed.base(); // restored first, like any file; the runs are written over it after
            }
            String backup = f.backupOr(m.id());
            if (f.split()) {
                for (FilePart part : SplitFileCheck.parts(f, chain.objectsOf(backup, f.path()))) {
                    tasks.add(new ObjectTask(backup, chain.object(backup, part.object(), f.path()), List.of(f), part));
                }
                split.add(f);
            } else if (f.object() == null) {
                if (f.size() != 0) {
                    throw new InvalidManifestException("backup manifest lists file '" + f.path() + "' of " + f.size()
                            + " bytes without an object");
                }
                empty.add(f);
            } else {
                StoredObject o = chain.object(backup, f.object(), f.path());
                if (f.offset() + f.size() > o.plainSize()) {
                    throw new InvalidManifestException("backup manifest places file '" + f.path() + "' at bytes " + f.offset() + ".."
                            + (f.offset() + f.size()) + " of object '" + o.key() + "', which has " + o.plainSize());
                }
                filesByObject.computeIfAbsent(backup + "\0" + o.key(), k -> new ArrayList<>()).add(f);
            }
        }

        Set<String> partObjects = new HashSet<>();
        for (ObjectTask t : tasks) {
            String key = t.backup() + "\0" + t.object().key();
            if (!partObjects.add(key) || filesByObject.containsKey(key)) {
                throw new InvalidManifestException("backup manifest places two ranges in object '" + t.object().key()
                        + "', one of them part of split file '" + t.files().get(0).path() + "'");
            }
        }
        for (Map.Entry<String, List<FileEntry>> e : filesByObject.entrySet()) {
            List<FileEntry> files = e.getValue();
            files.sort(Comparator.comparingLong(FileEntry::offset));
            long end = 0;
            for (FileEntry f : files) {
                if (f.offset() < end) {
                    throw new InvalidManifestException("backup manifest overlaps file '" + f.path() + "' with the one before it in object '"
                            + e.getKey().substring(e.getKey().indexOf('\0') + 1) + "'");
                }
                end = f.offset() + f.size();
            }
            String backup = e.getKey().substring(0, e.getKey().indexOf('\0'));
            FileEntry first = files.get(0);
            tasks.add(new ObjectTask(backup, chain.object(backup, first.object(), first.path()), files));
        }
        tasks.sort(Comparator.comparingLong((ObjectTask t) -> t.object().plainSize()).reversed());
        return new RestorePlan(m, rootMode, dirs, links, empty, split, tasks, paged, skipped, Set.of());
    }

    /** Whether a file of that path in a backup is left out: a restore writes it itself, or never. */
    static boolean isNotRestored(String path) {
        return NOT_RESTORED.contains(path);
    }

    /** Where a file is written during the restore, relative to PGDATA. */
    static String writePath(String path) {
        return path.equals(PG_CONTROL) ? path + STAGING_SUFFIX : path;
    }

    public int fileCount() {
        int n = emptyFiles.size() + splitFiles.size();
        for (ObjectTask t : objects) {
            n += t.part() == null ? t.files().size() : 0;
        }
        return n;
    }

    public long byteCount() {
        long n = 0;
        for (ObjectTask t : objects) {
            n += t.bytes();
        }
        for (FileEntry f : pagedFiles) {
            for (var run : f.pages()) {
                n += run.size();
            }
        }
        return n;
    }
}
