package dev.pgvault.archiver.backup;

import java.util.List;

/**
 * One regular file of the backed-up cluster.
 *
 * @param path relative to PGDATA, with '/' separators; files of a tablespace live under
 *     {@code pg_tblspc/<oid>/...}, as PostgreSQL links them
 * @param size plain bytes
 * @param sha256 of the plain bytes, hex
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
 */
public record FileEntry(String path, long size, String sha256, long mtime, int mode, String object, long offset,
        List<Long> badPages, List<FilePart> parts) {

    public FileEntry {
        badPages = List.copyOf(badPages);
        parts = List.copyOf(parts);
    }

    /** A file held by one object (or by none, when empty). */
    public FileEntry(String path, long size, String sha256, long mtime, int mode, String object, long offset,
            List<Long> badPages) {
        this(path, size, sha256, mtime, mode, object, offset, badPages, List.of());
    }

    /** Whether the file's bytes are spread over several objects, one per {@link FilePart}. */
    public boolean split() {
        return !parts.isEmpty();
    }
}
