package dev.pgvault.restore;

import dev.pgvault.archiver.backup.FileEntry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many parts of each split file are still to be written, shared by the workers: the one that
 * writes a file's last part finishes the file.
 */
final class SplitFileProgress {
    private final Map<String, AtomicInteger> left = new ConcurrentHashMap<>();

    SplitFileProgress(List<FileEntry> splitFiles) {
        for (FileEntry f : splitFiles) {
            left.put(f.path(), new AtomicInteger(f.parts().size()));
        }
    }

    /** Counts one part of {@code path} written; true when it was the last. */
    boolean partWritten(String path) {
        AtomicInteger n = left.get(path);
        if (n == null) {
            throw new IllegalStateException(path + " is not a split file of this restore");
        }
        return n.decrementAndGet() == 0;
    }
}
