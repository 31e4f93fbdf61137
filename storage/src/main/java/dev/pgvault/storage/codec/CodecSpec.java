package dev.pgvault.storage.codec;

import java.util.Objects;
import java.util.Optional;

/**
 * How new objects are encoded: the compression, its level, and the key when the repository is
 * encrypted. Reading never needs a spec: objects describe themselves.
 */
public record CodecSpec(Compression compression, int level, Optional<CipherKey> key) {

    /** zstd at its default level, without encryption. */
    public static final CodecSpec DEFAULT = of(Compression.DEFAULT);

    public CodecSpec {
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(key, "key");
        compression.checkLevel(level);
    }

    /** {@code compression} at its default level, without encryption. */
    public static CodecSpec of(Compression compression) {
        return new CodecSpec(compression, compression.defaultLevel(), Optional.empty());
    }

    public CodecSpec withLevel(int level) {
        return new CodecSpec(compression, level, key);
    }

    public CodecSpec withKey(CipherKey key) {
        return new CodecSpec(compression, level, Optional.of(key));
    }
}
