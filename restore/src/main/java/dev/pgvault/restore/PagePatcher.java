package dev.pgvault.restore;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.backup.FileEntry;
import dev.pgvault.archiver.backup.PageRun;
import dev.pgvault.storage.BlobNotFoundException;
import dev.pgvault.storage.codec.CorruptObjectException;
import dev.pgvault.storage.codec.DecodingStream;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.codec.ObjectDigest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The second step of restoring a file an incremental or differential backup stored as pages: its
 * base is written; this writes each page run over it, oldest first, each run's object read whole
 * and checked against the digest it was stored with before the file is called done; then cuts
 * the file to its size, gives it its mode and time, and fsyncs it. Files on {@code threads}
 * workers; the runs of one file in order, one after another.
 */
final class PagePatcher {
    private static final int PAGE = 8192;

    private PagePatcher() {}

    static void apply(List<FileEntry> files, EncodedStore repo, RepositoryLayout layout, String backupId, Path pgdata,
            int threads) throws IOException, InterruptedException {
        if (files.isEmpty()) {
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, files.size())), r -> {
            Thread t = new Thread(r, "pgvault-pages");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> done = new ArrayList<>();
            for (FileEntry f : files) {
                done.add(pool.submit(() -> {
                    patch(f, repo, layout, backupId, pgdata);
                    return null;
                }));
            }
            for (Future<?> d : done) {
                try {
                    d.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof IOException io) {
                        throw io;
                    }
                    if (e.getCause() instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new IOException(e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void patch(FileEntry f, EncodedStore repo, RepositoryLayout layout, String backupId, Path pgdata)
            throws IOException {
        Path out = pgdata.resolve(RestorePlan.writePath(f.path()));
        byte[] page = new byte[PAGE];
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            for (PageRun run : f.pages()) {
                String id = run.backupOr(backupId);
                String key = layout.backupDir(id) + run.object();
                try (InputStream in = repo.get(key)) {
                    for (long block : run.blocks()) {
                        if (in.readNBytes(page, 0, PAGE) != PAGE) {
                            throw new CorruptObjectException("object " + run.object() + " of backup " + id + " is shorter than"
                                    + " the page run of " + f.path() + " says");
                        }
                        if ((block + 1) * PAGE <= f.size()) { // a page past the end the file was cut to later
                            ByteBuffer b = ByteBuffer.wrap(page);
                            while (b.hasRemaining()) {
                                ch.write(b, block * PAGE + b.position());
                            }
                        }
                    }
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                    ObjectDigest d = ((DecodingStream) in).result();
                    if (d.plainSize() != run.size() || !d.plainSha256().equalsIgnoreCase(run.sha256())) {
                        throw new CorruptObjectException("object " + run.object() + " of backup " + id + " is not the one the"
                                + " manifest records for the pages of " + f.path());
                    }
                } catch (BlobNotFoundException e) {
                    throw new CorruptObjectException("cannot restore " + f.path() + ": object " + run.object() + " of backup "
                            + id + " is missing from the repository", e);
                }
            }
            if (ch.size() > f.size()) {
                ch.truncate(f.size());
            }
            if (ch.size() != f.size()) {
                throw new RestoredFileMismatchException(f.path(), "restored file " + f.path() + " has " + ch.size()
                        + " bytes after its pages were written, the manifest records " + f.size());
            }
            ch.force(true);
        }
        Files.setPosixFilePermissions(out, Modes.of(f.mode()));
        Files.setLastModifiedTime(out, FileTime.from(f.mtime(), TimeUnit.SECONDS));
    }
}
