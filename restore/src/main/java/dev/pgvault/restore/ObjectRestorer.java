package dev.pgvault.restore;

import dev.pgvault.archiver.backup.FileEntry;
import dev.pgvault.archiver.backup.StoredObject;
import dev.pgvault.storage.BlobNotFoundException;
import dev.pgvault.storage.codec.CorruptObjectException;
import dev.pgvault.storage.codec.DecodingStream;
import dev.pgvault.storage.Progress;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.codec.ObjectDigest;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Restores the files of one object: reads it once, streaming, and splits it into its files by
 * offset and size. Each file's size and SHA-256 are checked against the manifest as it is
 * written; it then gets its mode and mtime and goes to the syncer. One per worker thread, with
 * its own {@link WriteBehind}: this thread decodes, that one writes.
 */
final class ObjectRestorer implements ParallelRestore.Worker {
    /**
     * Small enough that a buffer is still in the CPU cache when the writer copies it into the page
     * cache: with 1 MiB buffers that copy took about four times the kernel time pgBackRest's did
     * (perf, same machine), and the restore is CPU-bound on two cores.
     */
    static final int BUFFER = 1 << 18;
    /**
     * Objects at least this large are hashed on a thread of their own while this one decompresses:
     * the largest table's object alone otherwise bounds the restore.
     */
    static final long HASH_IN_BACKGROUND_MIN = 64L << 20;
    private static final int BUFFERS_IN_FLIGHT = 8;

    private final EncodedStore repo;
    private final dev.pgvault.archiver.RepositoryLayout layout;
    private final Path pgdata;
    private final BooleanSupplier cancelled;
    private final WriteBehind writer;
    private final byte[] scratch = new byte[64 * 1024];

    private final SplitFileProgress splitFiles;

    /** Files written over in place by a delta restore: only their blocks that differ. */
    private final java.util.Set<String> patched;

    private final Progress progress;

    ObjectRestorer(EncodedStore repo, dev.pgvault.archiver.RepositoryLayout layout, Path pgdata, java.util.Set<String> patched, FileSyncer syncer,
            SplitFileProgress splitFiles, BooleanSupplier cancelled, String name, Progress progress) {
        this.progress = progress;
        this.repo = repo;
        this.patched = patched;
        this.splitFiles = splitFiles;
        this.layout = layout;
        this.pgdata = pgdata;
        this.cancelled = cancelled;
        this.writer = new WriteBehind(name + "-write", BUFFERS_IN_FLIGHT, BUFFER, syncer);
    }

    @Override
    public void restore(ObjectTask task) throws IOException {
        StoredObject object = task.object();
        // A file alone in its object is not hashed again: the object's verified digest is its digest.
        boolean single = task.singleFile();
        FileEntry current = null;
        try (InputStream in = repo.get(layout.backupDir(task.backup()) + object.key(), object.plainSize() >= HASH_IN_BACKGROUND_MIN)) {
            if (task.part() != null) {
                // A part is its whole object: the object's digest, checked below, is the part's.
                current = task.files().get(0);
                Path out = pgdata.resolve(RestorePlan.writePath(current.path()));
                writer.openPart(out, task.part().offset(), patched.contains(current.path()));
                copy(in, current, task.part().size(), object);
                writer.closePart(out, current, splitFiles);
                progress.add(0, splitFiles.firstPart(current.path()) ? 1 : 0); // a split file counts once
            }
            long pos = 0;
            for (FileEntry f : task.part() == null ? task.files() : List.<FileEntry>of()) {
                current = f;
                skip(in, f.offset() - pos, object);
                Path out = pgdata.resolve(RestorePlan.writePath(f.path()));
                writer.open(out, !single, patched.contains(f.path()));
                copy(in, f, f.size(), object);
                writer.close(out, f, object.key());
                progress.add(0, 1);
                pos = f.offset() + f.size();
            }
            current = null;
            drain(in); // the decoder checks the whole object's length and checksum at its end
            ObjectDigest digest = digestOf(in, object);
            if (single && !digest.plainSha256().equalsIgnoreCase(task.files().get(0).sha256())) {
                FileEntry f = task.files().get(0);
                throw new RestoredFileMismatchException(f.path(), "restored file " + f.path() + " does not match the backup: sha256 "
                        + digest.plainSha256() + ", manifest records " + f.sha256() + " (object " + object.key() + ")");
            }
            writer.await();
        } catch (BlobNotFoundException e) {
            throw new CorruptObjectException("cannot restore " + names(task) + ": object " + object.key()
                    + " is missing from the repository", e);
        } catch (dev.pgvault.storage.codec.WrongKeyException e) {
            // a damaged header of an encrypted object reads as a key that does not fit: name the object
            throw new dev.pgvault.storage.codec.WrongKeyException("cannot restore " + (current != null ? current.path()
                    : names(task)) + ": " + e.getMessage() + " (object " + object.key() + ")");
        } catch (CorruptObjectException e) {
            if (e instanceof RestoredFileMismatchException) {
                throw e;
            }
            throw new CorruptObjectException("cannot restore " + (current != null ? current.path() : names(task)) + ": "
                    + e.getMessage() + " (object " + object.key() + ")", e);
        } finally {
            try {
                writer.await(); // never leave a task with writes still queued, even when failing
            } catch (IOException ignored) {
                // a failure already being thrown, or the same one: reported once
            }
        }
    }

    /** The bytes restoring {@code task} writes: its part, or its files. */
    static long bytesOf(ObjectTask task) {
        return task.part() != null ? task.part().size() : task.files().stream().mapToLong(FileEntry::size).sum();
    }

    /** Copies {@code size} bytes, all of {@code f} or one part of it. */
    private void copy(InputStream in, FileEntry f, long size, StoredObject object) throws IOException {
        long left = size;
        while (left > 0) {
            if (cancelled.getAsBoolean()) {
                throw new InterruptedIOException("restore cancelled after another failure");
            }
            byte[] b = writer.buffer();
            int n = readFully(in, b, (int) Math.min(b.length, left));
            if (n <= 0) {
                writer.release(b);
                throw new RestoredFileMismatchException(f.path(), "restored file " + f.path() + " is short: object " + object.key()
                        + " ended after " + (size - left) + " of its " + size + " bytes");
            }
            writer.write(b, n);
            progress.add(n, 0);
            left -= n;
        }
    }

    /** Fills up to {@code len} bytes: fewer, larger writes. Returns what it read, 0 at the end. */
    private static int readFully(InputStream in, byte[] b, int len) throws IOException {
        int n = 0;
        while (n < len) {
            int r = in.read(b, n, len - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return n;
    }

    private void skip(InputStream in, long n, StoredObject object) throws IOException {
        while (n > 0) {
            int r = in.read(scratch, 0, (int) Math.min(scratch.length, n));
            if (r < 0) {
                throw new CorruptObjectException("object " + object.key() + " is shorter than its manifest entries say");
            }
            n -= r;
        }
    }

    private void drain(InputStream in) throws IOException {
        while (in.read(scratch, 0, scratch.length) >= 0) {
            // bytes past the last file (none in a well-formed backup) are only checksummed
        }
    }

    /** The verified digest of the whole object, checked against what the manifest records for it. */
    private static ObjectDigest digestOf(InputStream in, StoredObject object) throws IOException {
        if (!(in instanceof DecodingStream d)) {
            throw new IllegalStateException("EncodedStore.get returned " + in.getClass().getName() + ", not a DecodingStream");
        }
        ObjectDigest digest = d.result();
        if (digest.plainSize() != object.plainSize() || !digest.plainSha256().equalsIgnoreCase(object.sha256())) {
            throw new CorruptObjectException("object " + object.key() + " is not the one the manifest records: "
                    + digest.plainSize() + " bytes with sha256 " + digest.plainSha256() + ", manifest records " + object.plainSize()
                    + " bytes with sha256 " + object.sha256());
        }
        return digest;
    }

    private static String names(ObjectTask task) {
        StringBuilder s = new StringBuilder();
        int shown = Math.min(3, task.files().size());
        for (int i = 0; i < shown; i++) {
            s.append(i == 0 ? "" : ", ").append(task.files().get(i).path());
        }
        if (task.files().size() > shown) {
            s.append(" and ").append(task.files().size() - shown).append(" more files");
        }
        return s.toString();
    }

    @Override
    public void close() {
        writer.close();
    }
}
