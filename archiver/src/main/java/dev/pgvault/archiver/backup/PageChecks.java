package dev.pgvault.archiver.backup;

/**
 * Whether and how a backup checks relation pages: only when the cluster has data checksums and
 * the page size pgvault knows (8 KiB). {@code startLsn}: the backup's start; {@code
 * blocksPerSegment}: pages per relation segment file (131072 for 1 GiB segments).
 */
record PageChecks(boolean enabled, long startLsn, long blocksPerSegment) {

    static PageChecks off() {
        return new PageChecks(false, 0, 0);
    }
}
