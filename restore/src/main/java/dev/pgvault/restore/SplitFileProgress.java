package dev.pgvault.restore;

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
    private final java.util.Set<String> started = ConcurrentHashMap.newKeySet();

    /**
     * Counts the parts {@code tasks} write of each split file: every part in a restore into an
     * empty directory, only those that differ in a delta restore.
     */
    SplitFileProgress(List<ObjectTask> tasks) {
        for (ObjectTask t : tasks) {
            if (t.part() != null) {
                left.computeIfAbsent(t.files().get(0).path(), p -> new AtomicInteger()).incrementAndGet();
            }
        }
    }

    /**
     * True for the first part of {@code path} that a worker reports, whichever it is: a delta
     * restore may write only a file's later parts, and progress counts each file once.
     */
    boolean firstPart(String path) {
        return started.add(path);
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
