package dev.pgvault.storage.codec;

import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A SHA-256 taken on a thread of its own: the decoder fills a block, hands it over and fills the
 * next while this thread hashes the last, so that decompressing and hashing a large object run on
 * two cores instead of one after the other. Blocks circulate through a small pool, so the decoder
 * is never more than a few blocks ahead of the hash. This thread only reads a block, so the decoder
 * may go on copying out of the block it handed over last; it writes into a block only once it has
 * taken it back from the pool, that is, once the block is hashed.
 *
 * <p>Owned by one decoding thread; {@link #close} ends the hashing thread, also mid-object.
 */
final class BackgroundSha256 implements AutoCloseable {
    static final int BLOCK = 1 << 20;
    private static final int DEPTH = 4;

    private record Filled(byte[] block, int length) {}

    private static final Filled END = new Filled(new byte[0], 0);

    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(DEPTH);
    private final BlockingQueue<Filled> filled = new ArrayBlockingQueue<>(DEPTH + 1);
    private final MessageDigest sha256 = Sha256.newDigest();
    private final Thread thread;
    private byte[] digest;

    BackgroundSha256() {
        for (int i = 0; i < DEPTH; i++) {
            free.add(new byte[BLOCK]);
        }
        thread = new Thread(this::run, "pgvault-sha256");
        thread.setDaemon(true);
        thread.start();
    }

    /** A block to fill; waits while every block is still queued for hashing. */
    byte[] take() throws InterruptedIOException {
        try {
            return free.take();
        } catch (InterruptedException e) {
            throw interrupted();
        }
    }

    /** Queues the first {@code length} bytes of {@code block}, from {@link #take}, for hashing. */
    void update(byte[] block, int length) throws InterruptedIOException {
        try {
            filled.put(new Filled(block, length));
        } catch (InterruptedException e) {
            throw interrupted();
        }
    }

    /** The hash of everything queued, once the thread has taken it all in. */
    byte[] digest() throws InterruptedIOException {
        try {
            filled.put(END);
            thread.join();
        } catch (InterruptedException e) {
            throw interrupted();
        }
        return digest;
    }

    @Override
    public void close() {
        thread.interrupt();
    }

    private void run() {
        try {
            for (Filled f; (f = filled.take()) != END; ) {
                sha256.update(f.block(), 0, f.length());
                free.put(f.block());
            }
            digest = sha256.digest();
        } catch (InterruptedException e) {
            // closed before the end: the object is abandoned, its hash never asked for
        }
    }

    private static InterruptedIOException interrupted() {
        Thread.currentThread().interrupt();
        return new InterruptedIOException("interrupted while hashing an object");
    }
}
