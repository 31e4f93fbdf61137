package dev.pgvault.archiver.backup;

/**
 * One repository object of a backup: a large file alone, or a bundle of small ones.
 *
 * @param key relative to the backup's directory, e.g. "data/base/5/16384" or "bundle/3"
 * @param plainSize bytes before encoding
 * @param storedSize bytes in the repository
 * @param sha256 of the plain bytes, hex
 */
public record StoredObject(String key, long plainSize, long storedSize, String sha256) {}
