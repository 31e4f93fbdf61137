package dev.pgvault.archiver.backup;

/**
 * One byte range of a large file, stored as an object of its own so that backup and restore can
 * work on several ranges of one file at once.
 *
 * @param object the repository key, relative to the backup's directory, of the object holding
 *     exactly these bytes
 * @param offset where the range starts in the file: a multiple of the page size
 * @param size plain bytes, the whole object
 * @param sha256 of the range's plain bytes (the object's), hex
 */
public record FilePart(String object, long offset, long size, String sha256) {

    /** The offset just past the range. */
    public long end() {
        return offset + size;
    }
}
