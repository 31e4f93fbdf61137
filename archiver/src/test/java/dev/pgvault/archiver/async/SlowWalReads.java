package dev.pgvault.archiver.async;

import dev.pgvault.archiver.verify.ForwardingBlobStore;
import dev.pgvault.storage.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;

/** A repository whose reads of WAL segments each take {@code delay} until {@link #speedUp()}: a slow object store. */
final class SlowWalReads extends ForwardingBlobStore {
    private volatile Duration delay;
    private final java.util.Set<String> read = java.util.concurrent.ConcurrentHashMap.newKeySet();

    SlowWalReads(BlobStore store, Duration delay) {
        super(store);
        this.delay = delay;
    }

    /** Whether a key ending in {@code name} was read. */
    boolean wasRead(String name) {
        return read.stream().anyMatch(k -> k.endsWith("/" + name));
    }

    /** Reads at full speed from now on. */
    void speedUp() {
        delay = Duration.ZERO;
    }

    @Override
    public InputStream get(String key, long offset) throws IOException {
        read.add(key);
        if (key.contains("/wal/") && !key.endsWith(".history") && !delay.isZero()) {
            try {
                Thread.sleep(delay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted");
            }
        }
        return store.get(key, offset);
    }
}
