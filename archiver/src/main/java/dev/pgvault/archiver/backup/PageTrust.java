package dev.pgvault.archiver.backup;

/**
 * The rule of an incremental backup: a page may be taken from the parent backup's chain when it
 * is a valid, initialized page whose LSN is at or below the parent's start LSN.
 *
 * <p>Why that is safe: the parent's start is the redo point of the checkpoint pg_backup_start
 * made, which wrote every page modified before it; a page not modified through WAL since then
 * still holds the LSN it had, and the bytes the parent read, apart from hint bits (which
 * PostgreSQL sets without WAL and recomputes when missing; with data checksums or
 * wal_log_hints the first hint-bit change after a checkpoint writes a full-page image, so such a
 * page carries a new LSN and is stored). A page the parent read torn was being written then, so
 * it was modified after the parent's start and has a newer LSN. What the rule cannot see, a file
 * whose identity changed while its pages kept old LSNs, {@link RelationChanges} finds in the WAL.
 *
 * <p>Not trusted (so stored): new or zeroed pages, a header that is not a page's, and with data
 * checksums a page whose checksum fails.
 */
final class PageTrust {
    private static final int LOWER_OFFSET = 12;
    private static final int UPPER_OFFSET = 14;
    private static final int SPECIAL_OFFSET = 16;
    private static final int VERSION_OFFSET = 18;
    private static final int HEADER_SIZE = 24;

    private final long parentStartLsn;
    private final PageChecksum checksum;

    /** {@code checksum}: null when the cluster has no data checksums. */
    PageTrust(long parentStartLsn, PageChecksum checksum) {
        this.parentStartLsn = parentStartLsn;
        this.checksum = checksum;
    }

    /** Whether the page at {@code off} is the one the parent chain holds for it. */
    boolean fromParent(byte[] page, int off, long relationBlock) {
        return fromParent(page, off, relationBlock, false);
    }

    /**
     * As {@link #fromParent(byte[], int, long)}; {@code checksumMatched}: the page's checksum was
     * already computed on these bytes and matched (by the backup's {@link PageVerifier}), so it is
     * not computed twice.
     */
    boolean fromParent(byte[] page, int off, long relationBlock, boolean checksumMatched) {
        if (!validHeader(page, off)) {
            return false;
        }
        if (Long.compareUnsigned(PageChecksum.lsn(page, off), parentStartLsn) > 0) {
            return false;
        }
        return checksum == null || checksumMatched || checksum.verify(page, off, relationBlock);
    }

    static boolean validHeader(byte[] page, int off) {
        if (PageChecksum.isNew(page, off)) {
            return false;
        }
        int lower = PageChecksum.uint16(page, off + LOWER_OFFSET);
        int upper = PageChecksum.uint16(page, off + UPPER_OFFSET);
        int special = PageChecksum.uint16(page, off + SPECIAL_OFFSET);
        int version = PageChecksum.uint16(page, off + VERSION_OFFSET);
        return (version & 0xFF00) == PageChecksum.PAGE_SIZE && lower >= HEADER_SIZE && lower <= upper && upper <= special
                && special <= PageChecksum.PAGE_SIZE;
    }
}
