package dev.pgvault.archiver.backup;

import java.util.List;

/**
 * One regular file of the backed-up cluster.
 *
 * @param path relative to PGDATA, with '/' separators; files of a tablespace live under
 *     {@code pg_tblspc/<oid>/...}, as PostgreSQL links them
 * @param size plain bytes
 * @param sha256 of the plain bytes, hex; null for a file assembled from pages ({@link #paged()}),
 *     whose pages were checked against their own objects' digests instead
 * @param mtime modification time, epoch seconds
 * @param mode permission bits, e.g. 0600
 * @param object the repository key, relative to the backup's directory, of the object that
 *     holds the bytes: "data/&lt;path&gt;" for a file alone, "bundle/&lt;n&gt;" for small files
 *     concatenated in the order of their offsets; null for an empty file
 * @param offset where the file starts in the object's plain bytes (0 for a file alone)
 * @param badPages block numbers whose page checksum failed while reading (empty: none, or
 *     the cluster has no checksums, or not a relation file)
 * @param parts for a file split into several objects, its ranges in file order (then {@code
 *     object} and {@code sha256} are null: no single object or digest covers the whole file);
 *     empty for every other file
 * @param backup the id of the backup whose directory holds {@code object} or {@code parts}: null
 *     for the backup whose manifest lists the entry, else an earlier backup of its chain whose
 *     copy of the file this backup reuses unchanged
 * @param base for a file assembled from pages: the earlier backup's whole copy the pages are
 *     written over (an entry with {@code backup} set, never itself paged); null for every other
 *     file. Then {@code object}, {@code parts} and {@code sha256} are empty, and the file is the
 *     base, with {@code pages} written over it, cut or extended to {@code size}
 * @param pages the page runs written over {@code base}, oldest first
 */
public record FileEntry(String path, long size, String sha256, long mtime, int mode, String object, long offset,
        List<Long> badPages, List<FilePart> parts, String backup, FileEntry base, List<PageRun> pages) {

    public FileEntry {
        badPages = List.copyOf(badPages);
        parts = List.copyOf(parts);
        pages = List.copyOf(pages);
        if (base != null && (base.base != null || base.backup == null || object != null || !parts.isEmpty())) {
            throw new IllegalArgumentException("file " + path + " is paged over a base that is not an earlier backup's whole copy");
        }
        if (base == null && !pages.isEmpty()) {
            throw new IllegalArgumentException("file " + path + " has page runs but no base");
        }
    }

    /** A file of this backup held by one object (or by none, when empty). */
    public FileEntry(String path, long size, String sha256, long mtime, int mode, String object, long offset,
            List<Long> badPages) {
        this(path, size, sha256, mtime, mode, object, offset, badPages, List.of());
    }

    /** A file of this backup, whole. */
    public FileEntry(String path, long size, String sha256, long mtime, int mode, String object, long offset,
            List<Long> badPages, List<FilePart> parts) {
        this(path, size, sha256, mtime, mode, object, offset, badPages, parts, null, null, List.of());
    }

    /** Whether the file's bytes are spread over several objects, one per {@link FilePart}. */
    public boolean split() {
        return !parts.isEmpty();
    }

    /** Whether the file is assembled from an earlier backup's copy and page runs. */
    public boolean paged() {
        return base != null;
    }

    /** The backup holding this entry's objects, {@code self} when it is the listing backup's own. */
    public String backupOr(String self) {
        return backup == null ? self : backup;
    }

    /**
     * This entry as a later backup's manifest lists it when the file has not changed: every
     * reference resolved to {@code owner}, the backup whose manifest lists it now; with the time
     * and mode the file has now.
     */
    public FileEntry inheritedFrom(String owner, long newMtime, int newMode) {
        List<PageRun> runs = pages.stream().map(r -> r.inheritedFrom(owner)).toList();
        return new FileEntry(path, size, sha256, newMtime, newMode, object, offset, badPages, parts,
                base == null ? backupOr(owner) : null, base, runs);
    }
}
