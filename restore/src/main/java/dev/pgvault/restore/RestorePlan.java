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
        List<String> skipped,
        Set<String> patched) {

    static final String PG_CONTROL = "global/pg_control";
    static final String STAGING_SUFFIX = ".pgvault-restore";
    private static final Set<String> NOT_RESTORED = Set.of(
            "backup_label", "tablespace_map", "recovery.signal", "standby.signal", "postmaster.pid");

    public RestorePlan {
        directories = List.copyOf(directories);
        tablespaceLinks = List.copyOf(tablespaceLinks);
        emptyFiles = List.copyOf(emptyFiles);
        splitFiles = List.copyOf(splitFiles);
        objects = List.copyOf(objects);
        skipped = List.copyOf(skipped);
        patched = Set.copyOf(patched);
    }

    public static RestorePlan of(Manifest m) throws InvalidManifestException {
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

        Map<String, StoredObject> objectsByKey = new HashMap<>();
        for (StoredObject o : m.objects()) {
            objectsByKey.put(o.key(), o);
        }
        Map<String, List<FileEntry>> filesByObject = new LinkedHashMap<>();
        List<FileEntry> empty = new ArrayList<>();
        List<FileEntry> split = new ArrayList<>();
        List<ObjectTask> tasks = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Set<String> filePaths = new HashSet<>();
        for (FileEntry f : m.files()) {
            ManifestPaths.check(f.path(), "file");
            if (!filePaths.add(f.path()) || dirPaths.contains(f.path())) {
                throw new InvalidManifestException("backup manifest lists '" + f.path() + "' twice");
            }
            if (f.size() < 0 || f.offset() < 0) {
                throw new InvalidManifestException("backup manifest lists file '" + f.path() + "' with a negative size or offset");
            }
            if (NOT_RESTORED.contains(f.path())) {
                skipped.add(f.path());
            } else if (f.split()) {
                for (FilePart part : SplitFileCheck.parts(f, objectsByKey)) {
                    tasks.add(new ObjectTask(objectsByKey.get(part.object()), List.of(f), part));
                }
                split.add(f);
            } else if (f.object() == null) {
                if (f.size() != 0) {
                    throw new InvalidManifestException("backup manifest lists file '" + f.path() + "' of " + f.size()
                            + " bytes without an object");
                }
                empty.add(f);
            } else {
                StoredObject o = objectsByKey.get(f.object());
                if (o == null) {
                    throw new InvalidManifestException("backup manifest lists file '" + f.path() + "' in object '" + f.object()
                            + "', which it does not list among its objects");
                }
                if (f.offset() + f.size() > o.plainSize()) {
                    throw new InvalidManifestException("backup manifest places file '" + f.path() + "' at bytes " + f.offset() + ".."
                            + (f.offset() + f.size()) + " of object '" + o.key() + "', which has " + o.plainSize());
                }
                filesByObject.computeIfAbsent(o.key(), k -> new ArrayList<>()).add(f);
            }
        }

        Set<String> partObjects = new HashSet<>();
        for (ObjectTask t : tasks) {
            if (!partObjects.add(t.object().key()) || filesByObject.containsKey(t.object().key())) {
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
                            + e.getKey() + "'");
                }
                end = f.offset() + f.size();
            }
            tasks.add(new ObjectTask(objectsByKey.get(e.getKey()), files));
        }
        tasks.sort(Comparator.comparingLong((ObjectTask t) -> t.object().plainSize()).reversed());
        return new RestorePlan(m, rootMode, dirs, links, empty, split, tasks, skipped, Set.of());
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
        return n;
    }
}
