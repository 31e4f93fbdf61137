package dev.pgvault.cli;

import dev.pgvault.cli.config.ConfigException;
import dev.pgvault.cli.config.RepoSettings;
import dev.pgvault.storage.BlobStore;
import dev.pgvault.storage.codec.CipherKey;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.fs.FsBlobStore;
import dev.pgvault.storage.s3.S3BlobStore;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** Builds the repository's blob store and codec from the configuration: the one place that does. */
final class Repositories {
    private Repositories() {}

    static BlobStore open(RepoSettings repo) {
        return switch (repo.type()) {
            case FS -> new FsBlobStore(repo.path());
            case S3 -> new S3BlobStore(repo.s3());
        };
    }

    /** The store with every object encoded and decoded by the configured codec. */
    static EncodedStore openEncoded(RepoSettings repo) throws ConfigException {
        CodecSpec codec = codec(repo); // first: a bad passphrase file must not leak an open store
        return new EncodedStore(open(repo), codec);
    }

    static CodecSpec codec(RepoSettings repo) throws ConfigException {
        return new CodecSpec(repo.compress(), repo.compressLevel(), cipherKey(repo.cipherPassFile(), repo.cipherKdfIterations()));
    }

    private static Optional<CipherKey> cipherKey(Path passFile, int kdfIterations) throws ConfigException {
        if (passFile == null) {
            return Optional.empty();
        }
        byte[] pass;
        try {
            pass = Files.readAllBytes(passFile);
        } catch (NoSuchFileException e) {
            throw new ConfigException("repo.cipher-pass-file not found: " + passFile);
        } catch (AccessDeniedException e) {
            throw new ConfigException("repo.cipher-pass-file not readable: " + passFile);
        } catch (IOException e) {
            throw new ConfigException("cannot read repo.cipher-pass-file " + passFile + ": " + e.getMessage());
        }
        int end = pass.length;
        while (end > 0 && (pass[end - 1] == '\n' || pass[end - 1] == '\r')) {
            end--; // a trailing newline from `echo > file` is not part of the passphrase
        }
        if (end == 0) {
            throw new ConfigException("repo.cipher-pass-file is empty: " + passFile);
        }
        byte[] trimmed = java.util.Arrays.copyOf(pass, end);
        java.util.Arrays.fill(pass, (byte) 0);
        return Optional.of(CipherKey.fromPassphrase(trimmed, kdfIterations));
    }
}
