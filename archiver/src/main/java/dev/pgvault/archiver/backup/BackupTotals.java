package dev.pgvault.archiver.backup;

/**
 * A backup's sums over its lists, which {@code info} and the metrics show: recorded in the
 * manifest's header so that showing them needs no list parsed. Older manifests lack them; their
 * sums come from a whole read ({@link Manifest#totals}).
 *
 * @param sizeBytes plain bytes of every file (what a restore writes)
 * @param storedBytes bytes the backup's own objects take in the repository
 * @param badPages pages whose checksum failed when they were read
 */
public record BackupTotals(long sizeBytes, long storedBytes, long badPages) {

    /** In the manifest's words: its field names and values. */
    public String describe() {
        return ManifestJson.SIZE_BYTES + " " + sizeBytes + ", " + ManifestJson.STORED_BYTES + " " + storedBytes + ", "
                + ManifestJson.BAD_PAGE_COUNT + " " + badPages;
    }
}
