package dev.pgvault.archiver.async;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The fetch workers and their queue. A file recovery asked for goes before every fetch ahead,
 * and so does a fetch ahead that recovery asks for while it still waits: in arrival order, a
 * call (which waits on the spool while its JVM is not started) stood behind up to get-ahead
 * segment fetches, tens of seconds on a slow repository, for a file recovery needs now.
 */
final class FetchQueue implements AutoCloseable {
    private final ThreadPoolExecutor pool;
    private final Map<String, Fetch> waiting = new ConcurrentHashMap<>();
    private final AtomicLong arrivals = new AtomicLong();

    FetchQueue(int threads, ThreadFactory factory) {
        pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new PriorityBlockingQueue<>(), factory);
    }

    /** Queues {@code work}, the fetch of {@code name}; {@code asked}: before every fetch ahead. */
    void fetch(String name, boolean asked, Runnable work) {
        Fetch f = new Fetch(name, asked, arrivals.incrementAndGet(), work);
        waiting.put(name, f);
        pool.execute(f);
    }

    /**
     * Moves the fetch of {@code name}, while it waits as a fetch ahead, before every fetch ahead,
     * as {@code work} (the lookup it makes is then sent after the request that hurried it).
     * False when there is none waiting so (none queued, already asked for, or under way).
     */
    boolean hurry(String name, Runnable work) {
        Fetch f = waiting.get(name);
        if (f == null || f.asked || !pool.remove(f)) {
            return false;
        }
        waiting.remove(name, f);
        fetch(name, true, work);
        return true;
    }

    /**
     * Drops the fetches ahead that still wait and whose names {@code passed} accepts (recovery
     * is past them: nobody waits for them, and on a slow repository they cost what the next
     * ones need). A fetch asked for is never dropped. Returns the names dropped.
     */
    List<String> dropWaiting(Predicate<String> passed) {
        List<String> dropped = new ArrayList<>();
        for (Fetch f : waiting.values()) {
            if (!f.asked && passed.test(f.name) && pool.remove(f)) {
                waiting.remove(f.name, f);
                dropped.add(f.name);
            }
        }
        return dropped;
    }

    /** No more fetches; those queued still run. */
    @Override
    public void close() {
        pool.shutdown();
    }

    boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return pool.awaitTermination(timeout, unit);
    }

    private final class Fetch implements Runnable, Comparable<Fetch> {
        final String name;
        final boolean asked;
        final long arrival;
        final Runnable work;

        Fetch(String name, boolean asked, long arrival, Runnable work) {
            this.name = name;
            this.asked = asked;
            this.arrival = arrival;
            this.work = work;
        }

        @Override
        public void run() {
            waiting.remove(name, this);
            work.run();
        }

        @Override
        public int compareTo(Fetch other) {
            if (asked != other.asked) {
                return asked ? -1 : 1;
            }
            return Long.compare(arrival, other.arrival);
        }
    }
}
