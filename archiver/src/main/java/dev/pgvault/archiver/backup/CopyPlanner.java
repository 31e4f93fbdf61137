package dev.pgvault.archiver.backup;

import dev.pgvault.storage.BlobKeys;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Groups a backup's files into objects. A file of at least {@link #ALONE_MIN} bytes is an object
 * of its own; smaller files are concatenated, in path order, into bundles of up to {@link
 * #BUNDLE_MAX} plain bytes: one request per thousand small files instead of one per file. Tasks
 * come out largest first, so the last to finish are small and the workers end together.
 */
final class CopyPlanner {
    static final long ALONE_MIN = 1024 * 1024;
    static final long BUNDLE_MAX = 8 * 1024 * 1024;

    private CopyPlanner() {}

    static List<CopyTask> plan(List<SourceFile> files) {
        List<CopyTask> tasks = new ArrayList<>();
        List<SourceFile> bundle = new ArrayList<>();
        long bundleBytes = 0;
        int bundles = 0;
        for (SourceFile f : files) {
            String key = "data/" + f.path();
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
