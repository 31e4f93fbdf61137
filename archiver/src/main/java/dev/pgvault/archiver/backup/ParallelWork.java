package dev.pgvault.archiver.backup;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Runs one step per item on a fixed number of worker threads, each with its own state (buffers),
 * taking items in the given order. The first failure stops the others from starting new items and
 * is thrown once every worker has finished its current one. Results come in completion order.
 */
final class ParallelWork {
    private ParallelWork() {}

    interface Step<W, T, R> {
        R apply(W worker, T item) throws IOException;
    }

    static <W, T, R> List<R> run(List<T> items, int threads, Supplier<W> workers, Step<W, T, R> step, String name)
            throws IOException, InterruptedException {
        List<R> results = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threadList = new ArrayList<>();
        for (int i = 0; i < Math.max(1, Math.min(threads, items.size())); i++) {
            W worker = workers.get();
            Thread t = new Thread(() -> {
                int index;
                while (failure.get() == null && (index = next.getAndIncrement()) < items.size()) {
                    try {
                        results.add(step.apply(worker, items.get(index)));
                    } catch (Throwable e) {
                        if (!failure.compareAndSet(null, e)) {
                            failure.get().addSuppressed(e);
                        }
                    }
                }
            }, name + "-" + (i + 1));
            t.setDaemon(true);
            threadList.add(t);
            t.start();
        }
        try {
            for (Thread t : threadList) {
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
