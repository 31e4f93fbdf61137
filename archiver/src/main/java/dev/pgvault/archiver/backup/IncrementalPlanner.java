package dev.pgvault.archiver.backup;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What an incremental or differential backup copies: every file read once by a {@link
 * ChangeFinder} on {@code threads} workers, then the files to store whole grouped into objects as
 * a full backup groups them ({@link CopyPlanner}), plus one object per file of changed pages.
 * Files the WAL says changed identity ({@link RelationChanges}) are stored whole unread.
 */
final class IncrementalPlanner {
    /** The objects to write, the entries reused from the parent unchanged, and counts for the progress line. */
    record Plan(List<CopyTask> tasks, List<FileEntry> reused, int whole, int paged, int unchanged, long pagesRead,
            long pagesChanged) {

        Plan {
            tasks = List.copyOf(tasks);
            reused = List.copyOf(reused);
        }

        String describe() {
            return whole + " files to store whole, " + paged + " by their changed pages, " + unchanged + " unchanged; "
                    + pagesChanged + " of " + pagesRead + " relation pages compared changed";
        }
    }

    private IncrementalPlanner() {}

    /** The relations the WAL since the parent says were created, truncated or dropped: asked for once the pages are read. */
    interface ChangesSource {
        RelationChanges get() throws IOException, InterruptedException;
    }

    /**
     * Reads every file the parent also holds page by page while {@code changes} is still being
     * worked out (the WAL scan, on a thread of its own: the two take about as long), then stores
     * whole the files whose identity the WAL says changed, whatever their pages looked like.
     */
    static Plan plan(List<SourceFile> files, Manifest parent, ChangesSource changes, Supplier<ChangeFinder> finders,
            int threads, long partSize) throws IOException, InterruptedException {
        Map<String, FileEntry> parentFiles = new HashMap<>();
        for (FileEntry f : parent.files()) {
            parentFiles.put(f.path(), f);
        }
        List<SourceFile> whole = new ArrayList<>();
        List<SourceFile> toExamine = new ArrayList<>();
        Map<String, SourceFile> examined = new HashMap<>();
        for (SourceFile f : files) {
            if (!parentFiles.containsKey(f.path())) {
                whole.add(f);
            } else {
                toExamine.add(f);
                examined.put(f.path(), f);
            }
        }
        List<ChangeFinder> used = java.util.Collections.synchronizedList(new ArrayList<>());
        List<ChangeFinder.Decision> decisions = examine(toExamine, parentFiles, () -> {
            ChangeFinder f = finders.get();
            used.add(f);
            return f;
        }, threads);
        RelationChanges walSays = changes.get();
        List<CopyTask> tasks = new ArrayList<>();
        List<FileEntry> reused = new ArrayList<>();
        int paged = 0;
        for (ChangeFinder.Decision d : decisions) {
            if (walSays.storeWhole(d.path())) {
                whole.add(examined.get(d.path())); // a file made anew under an old name: its old LSNs prove nothing
            } else if (d instanceof ChangeFinder.Whole w) {
                whole.add(w.file());
            } else if (d instanceof ChangeFinder.Reuse r) {
                reused.add(r.entry());
            } else if (d instanceof ChangeFinder.Pages p) {
                tasks.add(CopyTask.pages(p));
                paged++;
            }
        }
        whole.sort(java.util.Comparator.comparing(SourceFile::path)); // bundles in path order, as a full's
        tasks.addAll(CopyPlanner.plan(whole, partSize));
        tasks.sort(java.util.Comparator.comparingLong(CopyTask::plannedBytes).reversed());
        long read = used.stream().mapToLong(ChangeFinder::pagesRead).sum();
        long changed = used.stream().mapToLong(ChangeFinder::pagesChanged).sum();
        return new Plan(tasks, reused, whole.size(), paged, reused.size(), read, changed);
    }

    private static List<ChangeFinder.Decision> examine(List<SourceFile> files, Map<String, FileEntry> parentFiles,
            Supplier<ChangeFinder> finders, int threads) throws IOException, InterruptedException {
        return ParallelWork.run(files, threads, finders, (finder, f) -> finder.examine(f, parentFiles.get(f.path())),
                "pgvault-compare");
    }
}
