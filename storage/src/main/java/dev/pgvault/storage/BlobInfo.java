package dev.pgvault.storage;

import java.time.Instant;

/** What a store knows about one blob without reading it. */
public record BlobInfo(String key, long size, Instant lastModified) {}
