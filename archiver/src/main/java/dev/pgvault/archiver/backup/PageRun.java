package dev.pgvault.archiver.backup;

import java.util.List;

/**
 * Pages of one file stored by an incremental or differential backup: the object holds, one after
 * another, the 8 KiB pages of {@code blocks} (block numbers within the file, in the object's
 * order). A restore writes them over the file's base in the order the runs are listed, so a later
 * run's page replaces an earlier one's.
 *
 * @param backup the id of the backup whose directory holds the object; null for the backup whose
 *     manifest lists the run
 * @param object the object's key, relative to that backup's directory
 * @param sha256 of the object's plain bytes, hex
 */
public record PageRun(String backup, String object, String sha256, List<Long> blocks) {

    public PageRun {
        blocks = List.copyOf(blocks);
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("a page run holds at least one page");
        }
    }

    /** Plain bytes of the object. */
    public long size() {
        return (long) blocks.size() * PageChecksum.PAGE_SIZE;
    }

    /** The backup holding the object, {@code self} when it is the listing backup's own. */
    public String backupOr(String self) {
        return backup == null ? self : backup;
    }

    /** The same run as seen from a later backup: {@code owner} is the backup whose manifest listed it. */
    public PageRun inheritedFrom(String owner) {
        return backup != null ? this : new PageRun(owner, object, sha256, blocks);
    }
}
