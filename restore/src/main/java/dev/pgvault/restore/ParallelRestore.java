package dev.pgvault.restore;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * Runs object tasks on {@code threads} workers, each taking the next task from a shared queue
 * (largest first). The first failure stops every worker between two chunks and is what {@link
 * #run} throws; a failure is never hidden behind the cancellations it caused.
 */
final class ParallelRestore {
    private ParallelRestore() {}

    interface Worker extends AutoCloseable {
        void restore(ObjectTask task) throws IOException;

        @Override
        default void close() {}
    }

    /** A worker per thread; {@code cancelled} tells a factory's workers to stop early. */
    interface WorkerFactory {
        Worker create(BooleanSupplier cancelled, String name);
    }

    /** Work the calling thread does while the workers run, instead of only waiting for them. */
    interface Meanwhile {
        void run() throws IOException;
    }

    static void run(List<ObjectTask> tasks, int threads, WorkerFactory factory, Meanwhile meanwhile)
            throws IOException, InterruptedException {
        Queue<ObjectTask> queue = new ConcurrentLinkedQueue<>(tasks);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        BooleanSupplier stop = () -> failure.get() != null;
        List<Thread> workers = new ArrayList<>();
        int n = Math.max(1, Math.min(threads, tasks.size()));
        for (int i = 0; i < n; i++) {
            String name = "pgvault-restore-" + i;
            Worker worker = factory.create(stop, name);
            Thread t = new Thread(() -> {
                try (worker) {
                    for (ObjectTask task; failure.get() == null && (task = queue.poll()) != null; ) {
                        worker.restore(task);
                    }
                } catch (Throwable e) {
                    if (!failure.compareAndSet(null, e) && !(e instanceof InterruptedIOException) && failure.get() != e) {
                        failure.get().addSuppressed(e);
                    }
                }
            }, name);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
        try {
            meanwhile.run();
        } catch (IOException | RuntimeException e) {
            failure.compareAndSet(null, e);
        }
        try {
            for (Thread t : workers) {
                t.join();
            }
        } catch (InterruptedException e) {
            failure.compareAndSet(null, e);
            for (Thread t : workers) {
                t.join();
            }
            throw e;
        }
        Throwable e = failure.get();
        if (e instanceof IOException io) {
            throw io;
        }
        if (e instanceof RuntimeException r) {
            throw r;
        }
        if (e instanceof Error err) {
            throw err;
        }
    }
}
