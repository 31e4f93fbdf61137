package dev.pgvault.archiver.backup;

import dev.pgvault.storage.Progress;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.codec.ObjectDigest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes one {@link CopyTask}'s object: reads each file once, in large blocks, checking relation
 * pages as they pass, and streams the bytes through the repository's codec. A file alone takes
 * its checksum from the codec's digest of the object; a file in a bundle gets its own SHA-256.
 * One copier per worker thread: it owns its buffers.
 */
final class ObjectCopier {
    /** Bytes per read: a multiple of the page size, large enough that per-call costs vanish. */
    static final int BUFFER = 1024 * 1024;
    /** Objects at least this large are compressed by several threads. */
    static final long PARALLEL_COMPRESSION_MIN = 16L * 1024 * 1024;

    private final EncodedStore repo;
    private final String backupDir;
    private final PageChecks pageChecks;
    private final int compressThreads;
    private final byte[] buf = new byte[BUFFER];
    private final ByteBuffer bb = ByteBuffer.wrap(buf);
    private final PageVerifier verifier;
    private final MessageDigest sha256;
    private final Progress progress;

    /**
     * {@code backupDir}: the backup's key prefix; {@code compressThreads}: compression threads
     * for a large object.
     */
    ObjectCopier(EncodedStore repo, String backupDir, PageChecks pageChecks, int compressThreads) {
        this(repo, backupDir, pageChecks, compressThreads, Progress.NONE);
    }

    /** {@code progress} hears each block as it is stored, and each task's files once stored. */
    ObjectCopier(EncodedStore repo, String backupDir, PageChecks pageChecks, int compressThreads, Progress progress) {
        this.progress = progress;
        this.repo = repo;
        this.backupDir = backupDir;
        this.pageChecks = pageChecks;
        this.compressThreads = compressThreads;
        this.verifier = pageChecks.enabled() ? new PageVerifier(new PageChecksum(), pageChecks.startLsn()) : null;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    CopyResult copy(CopyTask task) throws IOException {
        CopyResult r;
        if (task.pages() != null) {
            r = copyPages(task);
            progress.add((long) task.pages().blocks().size() * PageChecksum.PAGE_SIZE, 1);
        } else if (task.part() != null) {
            r = copyPart(task);
            progress.add(0, task.part().offset() == 0 ? 1 : 0); // a split file counts once, at its first part
        } else {
            r = task.alone() ? copyAlone(task) : copyBundle(task);
            progress.add(0, task.files().size());
        }
        return r;
    }

    private CopyResult copyAlone(CopyTask task) throws IOException {
        SourceFile f = task.files().get(0);
        FileChannel ch = open(f);
        if (ch == null) {
            return new CopyResult(null, List.of()); // dropped since the scan: nothing to store
        }
        try (ch) {
            PageVerifier v = begin(f, ch);
            int threads = task.plannedBytes() >= PARALLEL_COMPRESSION_MIN ? compressThreads : 0;
            ObjectDigest d = repo.put(backupDir + task.object(), threads, out -> stream(ch, out, v, null, 0, Long.MAX_VALUE));
            FileEntry entry = new FileEntry(f.path(), d.plainSize(), d.plainSha256(), f.mtime(), f.mode(),
                    d.plainSize() == 0 ? null : task.object(), 0, v == null ? List.of() : v.badPages());
            return new CopyResult(new StoredObject(task.object(), d.plainSize(), d.storedSize(), d.plainSha256()),
                    List.of(entry));
        }
    }

    /**
     * One range of a split file. Its pages are checked with their block numbers in the whole
     * relation: the segment's first block plus the range's offset in pages.
     */
    private CopyResult copyPart(CopyTask task) throws IOException {
        SourceFile f = task.files().get(0);
        PartRange range = task.part();
        FileChannel ch = open(f);
        if (ch == null) {
            return new CopyResult(null, List.of(), new CopiedPart(f, range, null, List.of()));
        }
        try (ch) {
            PageVerifier v = begin(f, ch);
            int threads = range.length() >= PARALLEL_COMPRESSION_MIN ? compressThreads : 0;
            long limit = range.toEnd() ? Long.MAX_VALUE : range.length();
            ObjectDigest d = repo.put(backupDir + task.object(), threads,
                    out -> stream(ch, out, v, null, range.offset(), limit));
            FilePart stored = new FilePart(task.object(), range.offset(), d.plainSize(), d.plainSha256());
            return new CopyResult(new StoredObject(task.object(), d.plainSize(), d.storedSize(), d.plainSha256()), List.of(),
                    new CopiedPart(f, range, stored, v == null ? List.of() : v.badPages()));
        }
    }

    /**
     * The pages an incremental backup stores of one file, read again by block number: a page
     * changed since the first pass is stored as it is now (WAL replay from this backup's start
     * rewrites it either way); one past the end by now (the relation truncated since) is stored
     * as zeroes, which replay's truncation removes.
     */
    private CopyResult copyPages(CopyTask task) throws IOException {
        ChangeFinder.Pages pages = task.pages();
        SourceFile f = pages.file();
        FileEntry parent = pages.parent();
        FileEntry base = parent.paged() ? parent.base() : parent;
        List<PageRun> runs = new ArrayList<>(parent.pages());
        if (pages.blocks().isEmpty()) {
            return new CopyResult(null, List.of(paged(f, pages, base, runs)));
        }
        FileChannel ch = open(f);
        if (ch == null) {
            return new CopyResult(null, List.of()); // dropped since the first pass
        }
        try (ch) {
            ObjectDigest d = repo.put(backupDir + task.object(), 0, out -> {
                for (long block : pages.blocks()) {
                    bb.clear().limit(PageChecksum.PAGE_SIZE);
                    while (bb.hasRemaining()) {
                        if (ch.read(bb, block * PageChecksum.PAGE_SIZE + bb.position()) < 0) {
                            java.util.Arrays.fill(buf, bb.position(), PageChecksum.PAGE_SIZE, (byte) 0);
                            break;
                        }
                    }
                    out.write(buf, 0, PageChecksum.PAGE_SIZE);
                }
            });
            runs.add(new PageRun(null, task.object(), d.plainSha256(), pages.blocks()));
            return new CopyResult(new StoredObject(task.object(), d.plainSize(), d.storedSize(), d.plainSha256()),
                    List.of(paged(f, pages, base, runs)));
        }
    }

    private static FileEntry paged(SourceFile f, ChangeFinder.Pages pages, FileEntry base, List<PageRun> runs) {
        return new FileEntry(f.path(), pages.size(), null, f.mtime(), f.mode(), null, 0, pages.badPages(), List.of(), null,
                base, runs);
    }

    private CopyResult copyBundle(CopyTask task) throws IOException {
        List<FileEntry> entries = new ArrayList<>();
        ObjectDigest d = repo.put(backupDir + task.object(), 0, out -> {
            long offset = 0;
            for (SourceFile f : task.files()) {
                FileChannel ch = open(f);
                if (ch == null) {
                    continue;
                }
                try (ch) {
                    PageVerifier v = begin(f, ch);
                    sha256.reset();
                    long n = stream(ch, out, v, sha256, 0, Long.MAX_VALUE);
                    String sha = HexFormat.of().formatHex(sha256.digest());
                    entries.add(new FileEntry(f.path(), n, sha, f.mtime(), f.mode(), n == 0 ? null : task.object(),
                            n == 0 ? 0 : offset, v == null ? List.of() : v.badPages()));
                    offset += n;
                }
            }
        });
        return new CopyResult(new StoredObject(task.object(), d.plainSize(), d.storedSize(), d.plainSha256()), entries);
    }

    /** The file opened for reading, or null when it no longer exists (PostgreSQL dropped it). */
    private static FileChannel open(SourceFile f) throws IOException {
        try {
            return FileChannel.open(f.file(), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return null;
        } catch (AccessDeniedException e) {
            throw new AccessDeniedException(f.file().toString(), null,
                    "cannot read it: permission denied (run the backup as the user that owns pg.data)");
        }
    }

    /** The verifier for {@code f} if its pages are to be checked, else null. */
    private PageVerifier begin(SourceFile f, FileChannel ch) {
        if (verifier == null) {
            return null;
        }
        long segment = RelationFiles.segmentNumber(f.path());
        if (segment < 0) {
            return null;
        }
        verifier.begin(ch, segment * pageChecks.blocksPerSegment());
        return verifier;
    }

    /**
     * Copies up to {@code limit} bytes of the file from {@code from}, or to its end as it is now
     * (it may have grown or shrunk); returns the bytes copied.
     */
    private long stream(FileChannel ch, OutputStream out, PageVerifier v, MessageDigest md, long from, long limit)
            throws IOException {
        long position = from;
        while (true) {
            int want = (int) Math.min(buf.length, limit - (position - from));
            int n = fill(ch, position, want);
            if (n > 0) {
                if (v != null) {
                    v.check(buf, n, position);
                }
                if (md != null) {
                    md.update(buf, 0, n);
                }
                out.write(buf, 0, n);
                progress.add(n, 0);
                position += n;
            }
            if (n < want || n == 0) {
                return position - from;
            }
        }
    }

    /**
     * Reads {@code want} bytes at {@code position}, or fewer where the file ends, so that only
     * the last block is partial.
     */
    private int fill(FileChannel ch, long position, int want) throws IOException {
        bb.clear().limit(want);
        while (bb.hasRemaining()) {
            if (ch.read(bb, position + bb.position()) < 0) {
                break;
            }
        }
        return bb.position();
    }
}
