package dev.pgvault.archiver.backup;

/**
 * The range of a large file one copy task reads: {@code length} bytes from {@code offset}, or, for
 * the file's last part ({@code toEnd}), everything from {@code offset} to wherever the file ends
 * when it is read: PostgreSQL may extend it during the backup, as it may any file.
 *
 * @param index the part's place in the file, from 0
 */
record PartRange(int index, long offset, long length, boolean toEnd) {

    PartRange {
        if (offset < 0 || length < 0 || offset % PageChecksum.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("a part starts on a page boundary: offset " + offset + ", length " + length);
        }
    }
}
