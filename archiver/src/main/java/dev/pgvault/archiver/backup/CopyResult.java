package dev.pgvault.archiver.backup;

import java.util.List;

/** What writing one object produced: the object, and the files it holds (vanished ones left out). */
record CopyResult(StoredObject object, List<FileEntry> files) {

    CopyResult {
        files = List.copyOf(files);
    }
}
