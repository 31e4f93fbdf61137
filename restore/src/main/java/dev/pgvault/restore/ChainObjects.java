package dev.pgvault.restore;

import dev.pgvault.archiver.backup.FileEntry;
import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.archiver.backup.PageRun;
import dev.pgvault.archiver.backup.StoredObject;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The objects a backup's files may be read from: its own, and those of the backups up its parent
 * chain, each found in the manifest of the backup that stored it. A file may name only a backup of
 * its own chain; one that names a backup the repository no longer has is refused before anything
 * is written, naming both.
 */
final class ChainObjects {
    private final Manifest backup;
    private final Set<String> chain = new LinkedHashSet<>();
    private final Map<String, Map<String, StoredObject>> objects = new HashMap<>();
    private final Map<String, Manifest> backups;

    ChainObjects(Manifest backup, Map<String, Manifest> backups) {
        this.backup = backup;
        this.backups = backups;
        for (Manifest at = backup; at != null && chain.add(at.id()); at = at.parent() == null ? null : backups.get(at.parent())) {
            // walks up to the full, or to the first backup the repository lacks
        }
    }

    /** The objects of {@code id}, a backup of the chain, by key. */
    Map<String, StoredObject> objectsOf(String id, String path) throws InvalidManifestException {
        Map<String, StoredObject> found = objects.get(id);
        if (found != null) {
            return found;
        }
        Manifest m = backups.get(id);
        if (!chain.contains(id) || m == null) {
            throw new InvalidManifestException("backup " + backup.id() + " needs backup " + id + " for file '" + path + "', which "
                    + (m == null ? "is not in the repository" : "is not of its chain") + ": restore another backup, or take a full");
        }
        found = new HashMap<>();
        for (StoredObject o : m.objects()) {
            found.put(o.key(), o);
        }
        objects.put(id, found);
        return found;
    }

    StoredObject object(String id, String key, String path) throws InvalidManifestException {
        StoredObject o = objectsOf(id, path).get(key);
        if (o == null) {
            throw new InvalidManifestException("backup manifest lists file '" + path + "' in object '" + key + "'"
                    + (id.equals(backup.id()) ? "" : " of backup " + id) + ", which " + (id.equals(backup.id()) ? "it" : "that backup")
                    + " does not list among its objects");
        }
        return o;
    }

    /** Each page run of {@code f} names an object of the chain that holds exactly its pages. */
    void checkRuns(FileEntry f) throws InvalidManifestException {
        for (PageRun run : f.pages()) {
            String id = run.backupOr(backup.id());
            StoredObject o = object(id, run.object(), f.path());
            if (run.blocks().stream().anyMatch(b -> b < 0) || run.blocks().stream().distinct().count() != run.blocks().size()) {
                throw new InvalidManifestException("backup manifest gives file '" + f.path() + "' a page run in object '"
                        + run.object() + "' with a negative or repeated block number");
            }
            if (o.plainSize() != run.size() || !o.sha256().equalsIgnoreCase(run.sha256())) {
                throw new InvalidManifestException("backup manifest gives file '" + f.path() + "' a page run in object '"
                        + run.object() + "' of backup " + id + " that does not match that object");
            }
        }
    }
}
