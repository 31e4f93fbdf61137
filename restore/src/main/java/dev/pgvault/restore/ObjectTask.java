package dev.pgvault.restore;

import dev.pgvault.archiver.backup.FileEntry;
import dev.pgvault.archiver.backup.FilePart;
import dev.pgvault.archiver.backup.StoredObject;
import java.util.List;

/**
 * One repository object and the files it holds, in the order of their offsets: the unit of
 * parallel work, so every object is read exactly once. For a part of a split file, {@code part}
 * is that part and {@code files} the one file it belongs to, whose other parts other tasks write.
 * {@code backup} is the id of the backup whose directory holds the object: the restored one's, or
 * for a file an incremental backup reuses, the earlier backup's that stored it.
 */
public record ObjectTask(String backup, StoredObject object, List<FileEntry> files, FilePart part) {

    public ObjectTask {
        files = List.copyOf(files);
        if (part != null && files.size() != 1) {
            throw new IllegalArgumentException("a part belongs to one file");
        }
    }

    public ObjectTask(String backup, StoredObject object, List<FileEntry> files) {
        this(backup, object, files, null);
    }

    /**
     * Whether the object is exactly one whole file: then the object's own verified SHA-256 is the
     * file's, and the file need not be hashed a second time.
     */
    public boolean singleFile() {
        return part == null && files.size() == 1 && files.get(0).offset() == 0 && files.get(0).size() == object.plainSize();
    }

    /** Plain bytes this task writes. */
    long bytes() {
        if (part != null) {
            return part.size();
        }
        long n = 0;
        for (FileEntry f : files) {
            n += f.size();
        }
        return n;
    }
}
