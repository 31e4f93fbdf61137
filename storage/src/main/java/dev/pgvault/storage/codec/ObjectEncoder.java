package dev.pgvault.storage.codec;

import java.io.IOException;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.Optional;

/**
 * Writes repository objects: the one place where the write chain is put together. Plain bytes are
 * hashed and counted, compressed, followed by the {@link Trailer}, and encrypted when the spec has
 * a key; the object starts with an {@link ObjectHeader}. Thread-safe; each stream is not.
 */
public final class ObjectEncoder {
    /** Created on first use: its provider start-up costs ~15 ms, and plain objects need no salt. */
    private static final class Random {
        static final SecureRandom INSTANCE = new SecureRandom();
    }

    private final CodecSpec spec;
    private final SecureRandom random;

    public ObjectEncoder(CodecSpec spec) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.random = null;
    }

    /** With the source of salts and nonce prefixes given, for tests. */
    public ObjectEncoder(CodecSpec spec, SecureRandom random) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.random = Objects.requireNonNull(random, "random");
    }

    public CodecSpec spec() {
        return spec;
    }

    /**
     * Writes the header to {@code sink} and returns the stream for the plain bytes. Closing that
     * stream completes the object and flushes {@code sink} without closing it.
     */
    public EncodingStream open(OutputStream sink) throws IOException {
        return open(sink, 0);
    }

    /**
     * Like {@link #open(OutputStream)}, letting the compressor use up to {@code compressThreads}
     * background threads (zstd only; 0: compress on the writing thread). Worth it for objects of
     * many megabytes, where one core would otherwise bound the object's speed.
     */
    public EncodingStream open(OutputStream sink, int compressThreads) throws IOException {
        return open(sink, compressThreads, null);
    }

    /**
     * Like {@link #open(OutputStream, int)}, binding the object to {@code key}, the key it is
     * stored under (format 2): a reader that asks for it under another key is refused, so an
     * object moved or swapped in the repository cannot pass for another. Null writes format 1.
     */
    public EncodingStream open(OutputStream sink, int compressThreads, String key) throws IOException {
        if (compressThreads < 0) {
            throw new IllegalArgumentException("negative compression thread count " + compressThreads);
        }
        NonClosingOutputStream guarded = new NonClosingOutputStream(Objects.requireNonNull(sink, "sink"));
        ObjectHeader header;
        ChunkEncryptingOutputStream encryptor = null;
        if (spec.key().isPresent()) {
            CipherKey cipherKey = spec.key().get();
            byte[] salt = randomBytes(ObjectKeys.SALT_LEN);
            byte[] noncePrefix = randomBytes(ChunkCipher.NONCE_PREFIX_LEN);
            KdfParams kdf = cipherKey.writeKdf();
            ObjectKeys keys = ObjectKeys.derive(cipherKey.masterKey(kdf), salt);
            header = new ObjectHeader(spec.compression(),
                    Optional.of(new ObjectHeader.Encryption(kdf, salt, noncePrefix, keys.keyCheck())),
                    Optional.ofNullable(key));
            encryptor = new ChunkEncryptingOutputStream(guarded, new ChunkCipher(keys.aesKey(), header.encode(), noncePrefix));
        } else {
            header = new ObjectHeader(spec.compression(), Optional.empty(), Optional.ofNullable(key));
        }
        byte[] headerBytes = header.encode();
        guarded.write(headerBytes);
        OutputStream body = encryptor != null ? encryptor : guarded;
        CompressedSink compressed = new CompressedSink(body, headerBytes);
        OutputStream compressor = spec.compression().compressor(compressed, spec.level(), compressThreads);
        return new EncodingStream(guarded, body, encryptor, compressed, compressor);
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        (random != null ? random : Random.INSTANCE).nextBytes(b);
        return b;
    }
}
