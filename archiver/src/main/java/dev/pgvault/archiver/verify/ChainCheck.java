package dev.pgvault.archiver.verify;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.archiver.backup.StoredObject;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The objects incremental and differential backups read from earlier backups of their chain: each
 * such backup must be in the repository, list the object, and hold it intact. A missing or
 * damaged one is reported under the backup that needs it, naming its files, besides the report
 * under the backup that holds it.
 */
final class ChainCheck {
    private static final Set<ProblemKind> DAMAGE = EnumSet.of(ProblemKind.MISSING_OBJECT, ProblemKind.STORED_SIZE_MISMATCH,
            ProblemKind.CORRUPT_OBJECT, ProblemKind.OBJECT_MISMATCH, ProblemKind.FILE_CHECKSUM_MISMATCH);

    private ChainCheck() {}

    static List<Problem> check(Map<String, Manifest> manifests, Map<String, List<ManifestCheck.Reference>> references,
            List<Problem> found, RepositoryLayout layout) {
        Set<String> damaged = new HashSet<>();
        for (Problem p : found) {
            if (DAMAGE.contains(p.kind()) && p.objectKey() != null) {
                damaged.add(p.objectKey());
            }
        }
        // each backup's objects by key, once: an incremental refers to thousands of its parents' files
        Map<String, Map<String, StoredObject>> objectsOf = new java.util.HashMap<>();
        manifests.forEach((id, m) -> {
            Map<String, StoredObject> byKey = new java.util.HashMap<>();
            m.objects().forEach(o -> byKey.put(o.key(), o));
            objectsOf.put(id, byKey);
        });
        List<Problem> problems = new ArrayList<>();
        references.forEach((child, refs) -> {
            Set<String> chain = new HashSet<>();
            for (Manifest at = manifests.get(child); at != null && chain.add(at.id());
                    at = at.parent() == null ? null : manifests.get(at.parent())) {
                // the child's own chain, up to a full or the first backup missing
            }
            Map<String, List<String>> filesByObject = new LinkedHashMap<>();
            Map<String, List<String>> filesByMissingBackup = new LinkedHashMap<>();
            Map<String, List<String>> filesOutsideChain = new LinkedHashMap<>();
            Map<String, List<String>> filesByMismatchedRun = new LinkedHashMap<>();
            for (ManifestCheck.Reference r : refs) {
                if (!manifests.containsKey(r.backup())) {
                    filesByMissingBackup.computeIfAbsent(r.backup(), k -> new ArrayList<>()).add(r.path());
                } else if (!chain.contains(r.backup())) {
                    filesOutsideChain.computeIfAbsent(r.backup(), k -> new ArrayList<>()).add(r.path());
                } else if (r.sha256() != null && mismatched(objectsOf.get(r.backup()).get(r.object()), r)) {
                    filesByMismatchedRun.computeIfAbsent(layout.backupDir(r.backup()) + r.object(), k -> new ArrayList<>())
                            .add(r.path());
                } else {
                    filesByObject.computeIfAbsent(r.backup() + "\0" + r.object(), k -> new ArrayList<>()).add(r.path());
                }
            }
            filesByMissingBackup.forEach((backup, files) -> problems.add(problem(child, null, files,
                    "needs backup " + backup + ", which is not in the repository: it cannot be restored")));
            filesOutsideChain.forEach((backup, files) -> problems.add(problem(child, null, files,
                    "reads files from backup " + backup + ", which is not of its parent chain: it cannot be restored")));
            filesByMismatchedRun.forEach((key, files) -> problems.add(problem(child, key, files,
                    "records pages in object " + key + " that do not match that object: it cannot be restored")));
            filesByObject.forEach((ref, files) -> {
                String backup = ref.substring(0, ref.indexOf('\0'));
                String object = ref.substring(ref.indexOf('\0') + 1);
                String key = layout.backupDir(backup) + object;
                if (!objectsOf.get(backup).containsKey(object)) {
                    problems.add(problem(child, key, files, "needs object " + key + ", which backup " + backup
                            + " does not list: it cannot be restored"));
                } else if (damaged.contains(key)) {
                    problems.add(problem(child, key, files, "needs object " + key + " of backup " + backup
                            + ", which is missing or damaged (see that backup's error): it cannot be restored"));
                }
            });
        });
        return problems;
    }

    /** Whether the object a page run names holds other bytes than the run records (a missing one is reported apart). */
    private static boolean mismatched(StoredObject o, ManifestCheck.Reference r) {
        return o != null && (o.plainSize() != r.size() || !o.sha256().equalsIgnoreCase(r.sha256()));
    }

    private static Problem problem(String child, String key, List<String> files, String what) {
        return new Problem(Severity.ERROR, ProblemKind.CHAIN_OBJECT_MISSING, List.of(child), key, files, List.of(),
                "backup " + child + ": " + what + Problem.filesSuffix(files));
    }
}
