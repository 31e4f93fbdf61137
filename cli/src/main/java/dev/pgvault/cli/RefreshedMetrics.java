package dev.pgvault.cli;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Metrics computed on a thread of their own every {@code period} and served from memory: reading
 * the repository can take seconds (or hang on an unreachable S3), and the agent's REST API must
 * answer health checks at once.
 */
final class RefreshedMetrics implements Supplier<String>, AutoCloseable {
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pgvault-metrics");
        t.setDaemon(true);
        return t;
    });
    private volatile String latest = "";

    RefreshedMetrics(Callable<String> compute, Duration period) {
        thread.scheduleWithFixedDelay(() -> {
            try {
                latest = compute.call();
            } catch (Exception | Error e) {
                // the next refresh tries again; the text itself says when the repository cannot be read
            }
        }, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public String get() {
        return latest;
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
