package dev.pgvault.restore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * fsyncs restored files in the background while the workers decode the next ones: an fsync waits
 * on the disk, not the CPU, so it overlaps with decompression instead of following it. {@link
 * #awaitAll} returns once everything submitted is durable, or throws the first failure.
 */
final class FileSyncer implements AutoCloseable {
    private final ExecutorService pool;
    private final ConcurrentLinkedQueue<Future<?>> pending = new ConcurrentLinkedQueue<>();

    FileSyncer(int threads) {
        pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "pgvault-fsync");
            t.setDaemon(true);
            return t;
        });
    }

    void submit(Path path) {
        pending.add(pool.submit(() -> {
            sync(path);
            return null;
        }));
    }

    static void sync(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    void awaitAll() throws IOException, InterruptedException {
        for (Future<?> f; (f = pending.poll()) != null; ) {
            try {
                f.get();
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof IOException io) {
                    throw new IOException("cannot fsync a restored file: " + io.getMessage(), io);
                }
                throw new IllegalStateException(c);
            }
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
