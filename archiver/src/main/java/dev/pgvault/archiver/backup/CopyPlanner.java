package dev.pgvault.archiver.backup;

import dev.pgvault.storage.BlobKeys;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Groups a backup's files into objects. A file larger than the part size is split into ranges of
 * about equal size, whole pages each, one object per range: the largest table is otherwise one
 * object, one thread's work on backup and restore while the other cores idle. A file of at least
 * {@link #ALONE_MIN} bytes is an object of its own; smaller files are concatenated, in path order, into bundles of up to {@link
 * #BUNDLE_MAX} plain bytes: one request per thousand small files instead of one per file. Tasks
 * come out largest first, so the last to finish are small and the workers end together.
 */
final class CopyPlanner {
    static final long ALONE_MIN = 1024 * 1024;
    static final long BUNDLE_MAX = 8 * 1024 * 1024;

    private CopyPlanner() {}

    /** {@code partSize}: the most bytes one object of a split file holds, a multiple of the page size. */
    static List<CopyTask> plan(List<SourceFile> files, long partSize) {
        if (partSize < PageChecksum.PAGE_SIZE || partSize % PageChecksum.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("part size must be a multiple of " + PageChecksum.PAGE_SIZE + ", not " + partSize);
        }
        List<CopyTask> tasks = new ArrayList<>();
        List<SourceFile> bundle = new ArrayList<>();
        long bundleBytes = 0;
        int bundles = 0;
        for (SourceFile f : files) {
            String key = "data/" + f.path();
            if (f.size() > partSize && validKey(partKey(f, 0))) {
                tasks.addAll(parts(f, partSize));
                continue;
            }
            if (f.size() >= ALONE_MIN && validKey(key)) {
                tasks.add(new CopyTask(key, List.of(f), true, f.size()));
                continue;
            }
            if (!bundle.isEmpty() && bundleBytes + f.size() > BUNDLE_MAX) {
                tasks.add(new CopyTask("bundle/" + ++bundles, bundle, false, bundleBytes));
                bundle = new ArrayList<>();
                bundleBytes = 0;
            }
            bundle.add(f);
            bundleBytes += f.size();
        }
        if (!bundle.isEmpty()) {
            tasks.add(new CopyTask("bundle/" + ++bundles, bundle, false, bundleBytes));
        }
        tasks.sort(Comparator.comparingLong(CopyTask::plannedBytes).reversed());
        return tasks;
    }

    /**
     * {@code f} as ranges of equal size rounded up to whole pages, none larger than {@code
     * partSize}; the last one reads to the end of the file, wherever it is by then.
     */
    static List<CopyTask> parts(SourceFile f, long partSize) {
        long count = ceilDiv(f.size(), partSize);
        long length = ceilDiv(ceilDiv(f.size(), count), PageChecksum.PAGE_SIZE) * PageChecksum.PAGE_SIZE;
        count = ceilDiv(f.size(), length);
        List<CopyTask> parts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long offset = i * length;
            boolean last = i == count - 1;
            PartRange range = new PartRange(i, offset, last ? f.size() - offset : length, last);
            parts.add(new CopyTask(partKey(f, i), List.of(f), true, range.length(), range));
        }
        return parts;
    }

    /** Under "part/", a prefix of its own: "data/&lt;path&gt;.1" would be the key of relation segment 1. */
    static String partKey(SourceFile f, int index) {
        return "part/" + f.path() + "/" + index;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** A file name no object key can carry (a backslash, a control character) goes in a bundle. */
    private static boolean validKey(String key) {
        try {
            BlobKeys.check(key);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
