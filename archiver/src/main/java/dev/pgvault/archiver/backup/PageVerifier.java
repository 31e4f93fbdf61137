package dev.pgvault.archiver.backup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks the page checksums of one relation segment file as its bytes stream past, the way
 * pg_basebackup and pgBackRest do: pages never written (all zeroes) and pages changed since the
 * backup started (their LSN is at or past the start: WAL replay rewrites them) are not checked; a
 * page that fails is read again once from the file, because PostgreSQL may have been writing it
 * at that moment, and is bad only if it fails again.
 */
final class PageVerifier {
    private final PageChecksum checksum;
    private final long startLsn;
    private final byte[] reread = new byte[PageChecksum.PAGE_SIZE];
    private final List<Long> bad = new ArrayList<>();
    private boolean[] matched = new boolean[0];
    private int checkedPages;
    private FileChannel file;
    private long firstBlock;

    /** {@code startLsn}: the backup's start; pages at or past it are left to WAL replay. */
    PageVerifier(PageChecksum checksum, long startLsn) {
        this.checksum = checksum;
        this.startLsn = startLsn;
    }

    /** Starts a file: {@code firstBlock} is the block number of its first page (segment * blocks per segment). */
    void begin(FileChannel file, long firstBlock) {
        this.file = file;
        this.firstBlock = firstBlock;
        bad.clear();
    }

    /**
     * Checks the whole pages in {@code buf[0, length)}, which hold the file's bytes from {@code
     * fileOffset} (a multiple of the page size). A partial page at the end (a file being
     * extended while read) is not checked.
     */
    void check(byte[] buf, int length, long fileOffset) throws IOException {
        int pages = length / PageChecksum.PAGE_SIZE;
        if (matched.length < pages) {
            matched = new boolean[pages];
        }
        checkedPages = pages;
        long block = firstBlock + fileOffset / PageChecksum.PAGE_SIZE;
        for (int i = 0; i < pages; i++, block++) {
            int off = i * PageChecksum.PAGE_SIZE;
            int first = firstRead(buf, off, block);
            matched[i] = first == MATCHED;
            if (first == FAILED && !rereadValid(fileOffset + off, block)) {
                bad.add(block);
            }
        }
    }

    /**
     * Whether page {@code i} of the buffer {@link #check} was last given had its checksum
     * computed, and matching, as read: an incremental backup's {@link PageTrust} then need not
     * compute it again.
     */
    boolean checksumMatched(int i) {
        return i < checkedPages && matched[i]; // a partial last page was not checked: never says matched
    }

    /** Block numbers that failed, in file order; a new list each call. */
    List<Long> badPages() {
        return List.copyOf(bad);
    }

    private static final int FAILED = 0;
    private static final int NOT_CHECKED = 1;
    private static final int MATCHED = 2;

    /** FAILED, NOT_CHECKED (a zeroed page, or one at or past the start) or MATCHED. */
    private int firstRead(byte[] page, int off, long block) {
        if (PageChecksum.isNew(page, off) && PageChecksum.isAllZero(page, off)) {
            return NOT_CHECKED;
        }
        if (Long.compareUnsigned(PageChecksum.lsn(page, off), startLsn) >= 0) {
            return NOT_CHECKED;
        }
        return checksum.verify(page, off, block) ? MATCHED : FAILED;
    }

    private boolean rereadValid(long position, long block) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(reread);
        while (b.hasRemaining()) {
            if (file.read(b, position + b.position()) < 0) {
                return true; // truncated since: the relation shrank, and WAL replay says so
            }
        }
        return firstRead(reread, 0, block) != FAILED;
    }
}
