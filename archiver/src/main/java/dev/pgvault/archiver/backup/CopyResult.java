package dev.pgvault.archiver.backup;

import java.util.List;

/**
 * What writing one object produced: the object, and the files it holds (vanished ones left out);
 * for a part of a split file, no files but the {@code part}, which {@link SplitFiles} joins with
 * the file's other parts.
 */
record CopyResult(StoredObject object, List<FileEntry> files, CopiedPart part) {

    CopyResult {
        files = List.copyOf(files);
    }

    CopyResult(StoredObject object, List<FileEntry> files) {
        this(object, files, null);
    }
}
