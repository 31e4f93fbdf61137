package dev.pgvault.cli.config;

import dev.pgvault.storage.codec.Compression;
import dev.pgvault.storage.s3.S3Settings;
import java.nio.file.Path;

/**
 * Where the repository lives and how its objects are encoded. Exactly one of {@code path} (fs)
 * and {@code s3} is set. {@code cipherPassFile} is null when encryption is off; {@code
 * cipherKdfIterations} is the PBKDF2 count a stanza gets with its salt at {@code pgvault init}.
 */
public record RepoSettings(RepoType type, Path path, S3Settings s3, Compression compress, int compressLevel,
        Path cipherPassFile, int cipherKdfIterations) {}
