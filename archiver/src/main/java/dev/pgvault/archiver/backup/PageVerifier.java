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
        long block = firstBlock + fileOffset / PageChecksum.PAGE_SIZE;
        for (int i = 0; i < pages; i++, block++) {
            int off = i * PageChecksum.PAGE_SIZE;
            if (!valid(buf, off, block) && !rereadValid(fileOffset + off, block)) {
                bad.add(block);
            }
        }
    }

    /** Block numbers that failed, in file order; a new list each call. */
    List<Long> badPages() {
        return List.copyOf(bad);
    }

    private boolean valid(byte[] page, int off, long block) {
        if (PageChecksum.isNew(page, off) && PageChecksum.isAllZero(page, off)) {
            return true;
        }
        if (Long.compareUnsigned(PageChecksum.lsn(page, off), startLsn) >= 0) {
            return true;
        }
        return checksum.verify(page, off, block);
    }

    private boolean rereadValid(long position, long block) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(reread);
        while (b.hasRemaining()) {
            if (file.read(b, position + b.position()) < 0) {
                return true; // truncated since: the relation shrank, and WAL replay says so
            }
        }
        return valid(reread, 0, block);
    }
}
