package dev.pgvault.archiver.backup;

import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;

/**
 * Runs copy tasks on a fixed number of worker threads, each with its own {@link ObjectCopier},
 * taking tasks in the given order ({@link ParallelWork}).
 */
final class ParallelCopy {
    private ParallelCopy() {}

    static List<CopyResult> run(List<CopyTask> tasks, int threads, Supplier<ObjectCopier> copiers)
            throws IOException, InterruptedException {
        return ParallelWork.run(tasks, threads, copiers, ObjectCopier::copy, "pgvault-backup");
    }
}
