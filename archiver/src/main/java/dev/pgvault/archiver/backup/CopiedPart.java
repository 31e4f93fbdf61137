package dev.pgvault.archiver.backup;

import java.util.List;

/**
 * What copying one range of a split file found: the range as planned and, as read, the stored
 * part ({@code null} when the file was gone by then) and the block numbers of pages that failed
 * their checksum.
 */
record CopiedPart(SourceFile file, PartRange range, FilePart stored, List<Long> badPages) {

    CopiedPart {
        badPages = List.copyOf(badPages);
    }

    /** Bytes read: fewer than planned when PostgreSQL truncated or dropped the file meanwhile. */
    long size() {
        return stored == null ? 0 : stored.size();
    }
}
