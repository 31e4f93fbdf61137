package dev.pgvault.restore;

import dev.pgvault.archiver.backup.FileEntry;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A worker's second thread: it writes, hashes and closes the files while the worker decodes the
 * next buffer. One large object (a 1 GiB relation segment) is otherwise a single thread's work,
 * decompression and writing in turn, and bounds the restore's wall time; this splits it over
 * two cores. Buffers circulate through a small pool, so at most {@code depth} are in flight.
 *
 * <p>Operations run on the writer thread in the order they are submitted. The first failure is
 * kept, later operations are skipped (buffers still return to the pool, so the worker never
 * blocks on a dead writer), and the worker sees it at its next {@link #buffer} or {@link #await}.
 */
final class WriteBehind implements AutoCloseable {
    private static final long SYNC_EVERY = 64L << 20;
    private static final Set<StandardOpenOption> CREATE = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

    private final ExecutorService thread;
    private final BlockingQueue<byte[]> free;
    private final FileSyncer syncer;
    private volatile IOException failure;

    // Touched only by the writer thread.
    private final MessageDigest sha256 = newSha256();
    private FileChannel channel;
    private Path path;
    private boolean hashing;
    private long unsynced;
    /** Writing over an existing file: only the blocks that differ from what it holds (delta restore). */
    private boolean patching;
    private long position;
    private final ByteBuffer existing;

    WriteBehind(String name, int depth, int bufferSize, FileSyncer syncer) {
        this.syncer = syncer;
        this.existing = ByteBuffer.allocate(bufferSize);
        this.free = new ArrayBlockingQueue<>(depth);
        for (int i = 0; i < depth; i++) {
            free.add(new byte[bufferSize]);
        }
        thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    private interface Step {
        void run() throws IOException;
    }

    /** A free buffer for the worker to fill; it goes back to the pool once written. */
    byte[] buffer() throws IOException {
        check();
        try {
            byte[] b = free.take();
            check();
            return b;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the writer");
        }
    }

    /** Returns a buffer the worker took but did not fill. */
    void release(byte[] b) {
        free.add(b);
    }

    /**
     * Creates {@code out}, owner-only until {@link #close} gives it its mode; or with {@code patch}
     * opens the existing file to write only the blocks that differ. Hashes what follows if asked.
     */
    void open(Path out, boolean hash, boolean patch) {
        submit(() -> {
            path = out;
            unsynced = 0;
            position = 0;
            patching = patch;
            if (patch) {
                channel = FileChannel.open(out, StandardOpenOption.READ, StandardOpenOption.WRITE);
            } else try {
                channel = FileChannel.open(out, CREATE, Modes.attribute(Modes.OWNER_ONLY_FILE));
            } catch (NoSuchFileException e) {
                // a directory the manifest does not list: made here, not by a pass over every file first
                DirectoryEntries.createParent(out);
                channel = FileChannel.open(out, CREATE, Modes.attribute(Modes.OWNER_ONLY_FILE));
            }
            hashing = hash;
            if (hash) {
                sha256.reset();
            }
        });
    }

    /**
     * Opens {@code out}, a split file created before the workers started, to write one of its
     * parts from {@code offset}; a part is its object's bytes, which the worker checks whole.
     */
    void openPart(Path out, long offset, boolean patch) {
        submit(() -> {
            path = out;
            unsynced = 0;
            position = offset;
            patching = patch;
            channel = patch ? FileChannel.open(out, StandardOpenOption.READ, StandardOpenOption.WRITE)
                    : FileChannel.open(out, StandardOpenOption.WRITE);
            channel.position(offset);
            hashing = false;
        });
    }

    /** Writes {@code n} bytes of {@code b} (from {@link #buffer}) to the open file. */
    void write(byte[] b, int n) {
        thread.execute(() -> {
            try {
                if (failure == null) {
                    if (hashing) {
                        sha256.update(b, 0, n);
                    }
                    if (patching) {
                        unsynced += patch(b, n);
                    } else {
                        ByteBuffer bb = ByteBuffer.wrap(b, 0, n);
                        while (bb.hasRemaining()) {
                            channel.write(bb);
                        }
                        unsynced += n;
                    }
                    if (unsynced >= SYNC_EVERY) {
                        // start the disk on a large file's first part while the rest is decoded,
                        // instead of all of it in the final fsync
                        syncer.submit(path);
                        unsynced = 0;
                    }
                }
            } catch (IOException | RuntimeException e) {
                fail(e);
            } finally {
                free.add(b);
            }
        });
    }

    /**
     * Writes the {@link #BLOCK}s of {@code b[0..n)} that differ from what the file holds at
     * {@link #position} (or lies beyond its end), and moves on; returns the bytes written. The file
     * then holds exactly these bytes there: each block is either written or already equal.
     */
    private long patch(byte[] b, int n) throws IOException {
        existing.clear().limit(n);
        long at = position;
        while (existing.hasRemaining()) {
            if (channel.read(existing, at + existing.position()) < 0) {
                break; // the file ends here: the rest is written
            }
        }
        int have = existing.position();
        byte[] old = existing.array();
        long written = 0;
        for (int off = 0; off < n; off += BLOCK) {
            int len = Math.min(BLOCK, n - off);
            if (off + len <= have && java.util.Arrays.equals(b, off, off + len, old, off, off + len)) {
                continue;
            }
            ByteBuffer bb = ByteBuffer.wrap(b, off, len);
            long pos = at + off;
            while (bb.hasRemaining()) {
                pos += channel.write(bb, pos);
            }
            written += len;
        }
        position = at + n;
        return written;
    }

    /** PostgreSQL's page: what a delta restore compares and writes over. */
    static final int BLOCK = 8192;

    /**
     * Closes the file; checks the hash taken since {@link #open} against the manifest when there
     * was one; sets mode and mtime; hands the file to the syncer.
     */
    void close(Path out, FileEntry f, String objectKey) {
        submit(() -> {
            FileChannel ch = channel;
            channel = null;
            ch.close();
            if (hashing) {
                String sha = HexFormat.of().formatHex(sha256.digest());
                if (!sha.equalsIgnoreCase(f.sha256())) {
                    throw new RestoredFileMismatchException(f.path(), "restored file " + f.path() + " does not match the backup: sha256 "
                            + sha + ", manifest records " + f.sha256() + " (object " + objectKey + ")");
                }
            }
            finish(out, f);
        });
    }

    /**
     * Closes a part of a split file; whichever part of the file is written last finishes it, as
     * {@link #close} finishes a whole file: one fsync for the file, after all its bytes.
     */
    void closePart(Path out, FileEntry f, SplitFileProgress progress) {
        submit(() -> {
            FileChannel ch = channel;
            channel = null;
            ch.close();
            if (progress.partWritten(f.path())) {
                finish(out, f);
            }
        });
    }

    private void finish(Path out, FileEntry f) throws IOException {
        if (Files.size(out) > f.size()) { // a file written over in place that was longer than the backup's
            try (FileChannel ch = FileChannel.open(out, StandardOpenOption.WRITE)) {
                ch.truncate(f.size());
            }
        }
        Files.setPosixFilePermissions(out, Modes.of(f.mode()));
        Files.setLastModifiedTime(out, FileTime.from(f.mtime(), TimeUnit.SECONDS));
        syncer.submit(out);
    }

    /** Waits until everything submitted is done; throws the first failure. */
    void await() throws IOException {
        try {
            thread.submit(() -> null).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the writer");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        check();
    }

    private void submit(Step step) {
        thread.execute(() -> {
            if (failure != null) {
                return;
            }
            try {
                step.run();
            } catch (IOException | RuntimeException e) {
                fail(e);
            }
        });
    }

    private void fail(Exception e) {
        if (failure == null) {
            if (e instanceof dev.pgvault.storage.codec.CorruptObjectException c) {
                failure = c;
            } else {
                failure = new IOException("cannot write " + path + ": " + e, e);
            }
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the first failure is the one to report
            }
            channel = null;
        }
    }

    private void check() throws IOException {
        IOException e = failure;
        if (e != null) {
            throw e;
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
