package dev.pgvault.archiver.verify;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.backup.FileEntry;
import dev.pgvault.archiver.backup.FilePart;
import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.archiver.backup.StoredObject;
import dev.pgvault.storage.BlobKeys;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What can be checked in a manifest without reading any object: that every file points into an
 * object the manifest lists, that empty files are empty, that object keys are keys. Groups the
 * files by object, so each object is read once for all the files it holds.
 */
final class ManifestCheck {
    static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /** One object to read, its full repository key, and the files the manifest places in it. */
    record ObjectFiles(String key, StoredObject object, List<FileEntry> files) {}

    /**
     * An object of an earlier backup that {@code path} of this backup is read from; for a page
     * run, the plain size and SHA-256 the run records for it (else -1 and null).
     */
    record Reference(String backup, String object, String path, long size, String sha256) {

        Reference(String backup, String object, String path) {
            this(backup, object, path, -1, null);
        }
    }

    record Result(List<ObjectFiles> objects, List<Problem> problems, List<Reference> references) {}

    private ManifestCheck() {}

    /** {@code id} is the backup's directory name, which the manifest's id must repeat. */
    static Result check(String id, Manifest m, RepositoryLayout layout) {
        String manifestKey = layout.manifestKey(id);
        List<Problem> problems = new ArrayList<>();
        if (!id.equals(m.id())) {
            problems.add(Problem.manifest(ProblemKind.MANIFEST_INCONSISTENT, id, manifestKey, List.of(),
                    manifestKey + " names backup '" + m.id() + "', not its directory's"));
        }
        Map<String, StoredObject> objects = new LinkedHashMap<>();
        for (StoredObject o : m.objects()) {
            String bad = badKey(o.key());
            if (bad != null) {
                problems.add(Problem.manifest(ProblemKind.MANIFEST_INCONSISTENT, id, manifestKey, List.of(),
                        "lists an object with " + bad));
            } else if (objects.putIfAbsent(o.key(), o) != null) {
                problems.add(Problem.manifest(ProblemKind.MANIFEST_INCONSISTENT, id, manifestKey, List.of(),
                        "lists object " + layout.backupDir(id) + o.key() + " twice"));
            }
        }

        Map<String, List<FileEntry>> filesByObject = new LinkedHashMap<>();
        Map<String, List<String>> unlisted = new LinkedHashMap<>();
        List<Reference> references = new ArrayList<>();
        for (FileEntry f : m.files()) {
            if (f.paged()) {
                referencesOf(f.base(), references);
                for (var run : f.pages()) {
                    StoredObject own = objects.get(run.object());
                    if (run.backup() != null) {
                        references.add(new Reference(run.backup(), run.object(), f.path(), run.size(), run.sha256()));
                    } else if (own == null) {
                        unlisted.computeIfAbsent(run.object(), k -> new ArrayList<>()).add(f.path());
                    } else if (own.plainSize() != run.size() || !own.sha256().equalsIgnoreCase(run.sha256())) {
                        problems.add(Problem.manifest(ProblemKind.MANIFEST_INCONSISTENT, id, manifestKey, List.of(f.path()),
                                "gives file " + f.path() + " a page run that does not match object " + run.object()));
                    }
                }
            } else if (f.backup() != null) {
                referencesOf(f, references);
            } else if (f.size() < 0 || f.offset() < 0) {
                problems.add(Problem.manifest(ProblemKind.MANIFEST_INCONSISTENT, id, manifestKey, List.of(f.path()),
                        "gives file " + f.path() + " a negative size or offset"));
            } else if (f.split()) {
                checkParts(id, manifestKey, f, problems);
                for (FilePart part : f.parts()) {
                    // The part as a file alone in its object: the object's digest is checked against the part's.
                    FileEntry range = new FileEntry(f.path(), part.size(), part.sha256(), f.mtime(), f.mode(), part.object(), 0,
                            List.of());
                    if (part.object() != null && objects.containsKey(part.object())) {
                        filesByObject.computeIfAbsent(part.object(), k -> new ArrayList<>()).add(range);
                    } else {
                        unlisted.computeIfAbsent(part.object(), k -> new ArrayList<>()).add(f.path());
                    }
                }
            } else if (f.object() == null) {
                checkEmpty(id, manifestKey, f, problems);
            } else if (objects.containsKey(f.object())) {
                filesByObject.computeIfAbsent(f.object(), k -> new ArrayList<>()).add(f);
            } else {
                unlisted.computeIfAbsent(f.object(), k -> new ArrayList<>()).add(f.path());
            }
        }
        unlisted.forEach((object, paths) -> problems.add(Problem.manifest(ProblemKind.MANIFEST_INCONSISTENT, id,
                manifestKey, paths, "places files in object '" + object + "', which it does not list"
                        + Problem.filesSuffix(paths))));

        List<ObjectFiles> out = new ArrayList<>();
        objects.forEach((key, o) -> out.add(new ObjectFiles(layout.backupDir(id) + key, o,
                filesByObject.getOrDefault(key, List.of()))));
        return new Result(out, problems, references);
    }

    /** The objects of an earlier backup that {@code f}, an entry held by that backup, is read from. */
    private static void referencesOf(FileEntry f, List<Reference> references) {
        if (f.split()) {
            for (FilePart part : f.parts()) {
                references.add(new Reference(f.backup(), part.object(), f.path()));
            }
        } else if (f.object() != null) {
            references.add(new Reference(f.backup(), f.object(), f.path()));
        }
    }

    /** A split file's parts cover it exactly, in order: no byte of it is left to no object. */
    private static void checkParts(String id, String manifestKey, FileEntry f, List<Problem> problems) {
        long end = 0;
        for (FilePart part : f.parts()) {
            if (part.offset() != end || part.size() <= 0) {
                problems.add(Problem.manifest(ProblemKind.MANIFEST_INCONSISTENT, id, manifestKey, List.of(f.path()),
                        "gives split file " + f.path() + " a part at byte " + part.offset() + " of " + part.size()
                                + " bytes where the one before ends at byte " + end));
                return;
            }
            end = part.end();
        }
        if (end != f.size()) {
            problems.add(Problem.manifest(ProblemKind.MANIFEST_INCONSISTENT, id, manifestKey, List.of(f.path()),
                    "gives split file " + f.path() + " " + f.size() + " bytes, but its parts end at byte " + end));
        }
    }

    private static void checkEmpty(String id, String manifestKey, FileEntry f, List<Problem> problems) {
        if (f.size() != 0) {
            problems.add(Problem.manifest(ProblemKind.MANIFEST_INCONSISTENT, id, manifestKey, List.of(f.path()),
                    "gives file " + f.path() + " " + f.size() + " bytes but no object to hold them"));
        } else if (!EMPTY_SHA256.equalsIgnoreCase(f.sha256())) {
            problems.add(Problem.file(id, null, f.path(), "is empty, but the manifest's sha256 is " + f.sha256()
                    + ", not the empty file's"));
        }
    }

    /** Why {@code key} cannot be the key of a backup object, or null when it can. */
    private static String badKey(String key) {
        if (key == null) {
            return "no key";
        }
        try {
            BlobKeys.check(key);
            return null;
        } catch (IllegalArgumentException e) {
            return "a bad key: " + e.getMessage();
        }
    }
}
