package dev.pgvault.archiver.backup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The first pass of an incremental or differential backup over one file: reads it and decides
 * what the backup stores of it. One per worker thread: it owns its buffer.
 * <ul>
 * <li>a file the parent does not hold: whole;
 * <li>relation data (main and init forks): the pages {@link PageTrust} does not take from the
 *     parent, past the parent's size, or bad in the parent; whole when that is more than half the
 *     file, and nothing when it is none and the size is the parent's;
 * <li>every other file (free space and visibility maps too, whose pages change without their LSN
 *     saying so): nothing when its size and SHA-256 are the parent's, else whole.
 * </ul>
 */
final class ChangeFinder {
    /** What to store of a file. */
    sealed interface Decision permits Reuse, Whole, Pages, Gone {
        /** The file this is about, relative to PGDATA. */
        String path();
    }

    /** Unchanged: the parent's entry, as this backup lists it. */
    record Reuse(FileEntry entry) implements Decision {
        @Override
        public String path() {
            return entry.path();
        }
    }

    /** Stored whole, as a full backup stores it. */
    record Whole(SourceFile file) implements Decision {
        @Override
        public String path() {
            return file.path();
        }
    }

    /**
     * Stored as the parent's copy with {@code blocks} written over it, cut or extended to {@code
     * size}; {@code parent} is the parent's entry with its references resolved ({@link FileEntry#inheritedFrom}).
     */
    record Pages(SourceFile file, FileEntry parent, long size, List<Long> blocks, List<Long> badPages) implements Decision {

        Pages {
            blocks = List.copyOf(blocks);
            badPages = List.copyOf(badPages);
        }

        @Override
        public String path() {
            return file.path();
        }
    }

    /** Dropped since the scan: nothing to store. */
    record Gone(SourceFile file) implements Decision {
        @Override
        public String path() {
            return file.path();
        }
    }

    private final byte[] buf = new byte[ObjectCopier.BUFFER];
    private final ByteBuffer bb = ByteBuffer.wrap(buf);
    private final MessageDigest sha256;
    private final String parentId;
    private final PageTrust trust;
    private final PageVerifier verifier;
    private final long blocksPerSegment;
    /** Relation pages read, and of those changed since the parent: for the progress line. */
    private long pagesRead;
    private long pagesChanged;

    /**
     * {@code trust}: null when pages cannot be judged (a page size other than 8 KiB), so relation
     * files are compared whole too; {@code verifier}: null when page checksums are not checked.
     */
    ChangeFinder(String parentId, PageTrust trust, PageVerifier verifier, long blocksPerSegment) {
        this.parentId = parentId;
        this.trust = trust;
        this.verifier = verifier;
        this.blocksPerSegment = blocksPerSegment;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the file's pages carry LSNs a backup may trust: main and init forks of permanent relations. */
    static boolean isPagedData(String path) {
        if (RelationFiles.segmentNumber(path) < 0) {
            return false;
        }
        String name = path.substring(path.lastIndexOf('/') + 1);
        return !name.contains("_fsm") && !name.contains("_vm");
    }

    Decision examine(SourceFile f, FileEntry parent) throws IOException {
        if (parent == null) {
            return new Whole(f);
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(f.file(), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return new Gone(f);
        }
        try (ch) {
            if (trust != null && isPagedData(f.path())) {
                return pages(f, parent, ch);
            }
            return compare(f, parent, ch);
        }
    }

    private Decision compare(SourceFile f, FileEntry parent, FileChannel ch) throws IOException {
        sha256.reset();
        long size = 0;
        int n;
        while ((n = fill(ch, size)) > 0) {
            sha256.update(buf, 0, n);
            size += n;
        }
        String sha = HexFormat.of().formatHex(sha256.digest());
        if (!parent.paged() && parent.sha256() != null && size == parent.size() && sha.equalsIgnoreCase(parent.sha256())) {
            return new Reuse(parent.inheritedFrom(parentId, f.mtime(), f.mode()));
        }
        return new Whole(f);
    }

    private Decision pages(SourceFile f, FileEntry parent, FileChannel ch) throws IOException {
        long segment = RelationFiles.segmentNumber(f.path());
        long firstBlock = segment * blocksPerSegment;
        long parentBlocks = parent.size() / PageChecksum.PAGE_SIZE;
        Set<Long> parentBad = new HashSet<>(parent.badPages());
        if (verifier != null) {
            verifier.begin(ch, firstBlock);
        }
        List<Long> changed = new ArrayList<>();
        long position = 0;
        int n;
        while ((n = fill(ch, position)) > 0) {
            if (n % PageChecksum.PAGE_SIZE != 0) {
                return new Whole(f); // a page being added as it was read: not worth a rule of its own
            }
            if (verifier != null) {
                verifier.check(buf, n, position);
            }
            long block = position / PageChecksum.PAGE_SIZE;
            for (int off = 0, i = 0; off < n; off += PageChecksum.PAGE_SIZE, block++, i++) {
                long relationBlock = firstBlock + block;
                boolean checksumMatched = verifier != null && verifier.checksumMatched(i);
                if (block >= parentBlocks || parentBad.contains(relationBlock)
                        || !trust.fromParent(buf, off, relationBlock, checksumMatched)) {
                    changed.add(block);
                }
            }
            position += n;
        }
        long blocks = position / PageChecksum.PAGE_SIZE;
        pagesRead += blocks;
        pagesChanged += changed.size();
        if (changed.size() * 2L > blocks) {
            return new Whole(f); // restoring it whole then reads one object instead of the chain's
        }
        if (changed.isEmpty() && position == parent.size()) {
            return new Reuse(parent.inheritedFrom(parentId, f.mtime(), f.mode()));
        }
        return new Pages(f, parent.inheritedFrom(parentId, parent.mtime(), parent.mode()), position, changed, verifier == null ? List.of() : verifier.badPages());
    }

    long pagesRead() {
        return pagesRead;
    }

    long pagesChanged() {
        return pagesChanged;
    }

    /** Fills the buffer from {@code position}, or less where the file ends; 0 at the end. */
    private int fill(FileChannel ch, long position) throws IOException {
        bb.clear();
        while (bb.hasRemaining()) {
            if (ch.read(bb, position + bb.position()) < 0) {
                break;
            }
        }
        return bb.position();
    }
}
