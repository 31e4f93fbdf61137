package dev.pgvault.restore;

import dev.pgvault.archiver.backup.FileEntry;
import dev.pgvault.archiver.backup.StoredObject;
import java.util.List;

/**
 * One repository object and the files it holds, in the order of their offsets: the unit of
 * parallel work, so every object is read exactly once.
 */
public record ObjectTask(StoredObject object, List<FileEntry> files) {

    public ObjectTask {
        files = List.copyOf(files);
    }

    /**
     * Whether the object is exactly one file: then the object's own verified SHA-256 is the
     * file's, and the file need not be hashed a second time.
     */
    public boolean singleFile() {
        return files.size() == 1 && files.get(0).offset() == 0 && files.get(0).size() == object.plainSize();
    }
}
