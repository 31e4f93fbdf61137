package dev.pgvault.storage.codec;

/**
 * What encoding or decoding one object measured: the SHA-256 (lowercase hex) and size of the
 * plain bytes, and the size of the object as stored (header, compressed and encrypted bytes).
 */
public record ObjectDigest(String plainSha256, long plainSize, long storedSize) {}
