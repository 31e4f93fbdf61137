package dev.pgvault.archiver.backup;

/**
 * A directory of the backed-up cluster, restored even when empty (pg_wal, pg_replslot, ...).
 * {@code linkTarget} is set for the symbolic links in pg_tblspc: the tablespace's location.
 */
public record DirectoryEntry(String path, int mode, String linkTarget) {}
