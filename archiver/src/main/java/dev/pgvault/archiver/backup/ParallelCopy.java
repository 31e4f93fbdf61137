package dev.pgvault.archiver.backup;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Runs copy tasks on a fixed number of worker threads, each with its own {@link ObjectCopier},
 * taking tasks in the given order. The first failure stops the others from starting new tasks
 * and is thrown once every worker has finished its current one.
 */
final class ParallelCopy {
    private ParallelCopy() {}

    static List<CopyResult> run(List<CopyTask> tasks, int threads, Supplier<ObjectCopier> copiers)
            throws IOException, InterruptedException {
        List<CopyResult> results = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        int n = Math.max(1, Math.min(threads, tasks.size()));
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ObjectCopier copier = copiers.get();
            Thread t = new Thread(() -> {
                int index;
                while (failure.get() == null && (index = next.getAndIncrement()) < tasks.size()) {
                    try {
                        results.add(copier.copy(tasks.get(index)));
                    } catch (Throwable e) {
                        if (!failure.compareAndSet(null, e)) {
                            failure.get().addSuppressed(e);
                        }
                    }
                }
            }, "pgvault-backup-" + (i + 1));
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
        try {
            for (Thread t : workers) {
                t.join();
            }
        } catch (InterruptedException e) {
            failure.compareAndSet(null, e);
            throw e;
        }
        Throwable e = failure.get();
        if (e instanceof IOException io) {
            throw io;
        }
        if (e instanceof RuntimeException re) {
            throw re;
        }
        if (e instanceof Error err) {
            throw err;
        }
        return List.copyOf(results);
    }
}
