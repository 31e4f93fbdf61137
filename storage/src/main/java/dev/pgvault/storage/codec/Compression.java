package dev.pgvault.storage.codec;

import com.github.luben.zstd.RecyclingBufferPool;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;

/**
 * The compressions an object may use. The id is what the object header records, so a reader
 * finds the decompressor in the object itself, never in a file name or in configuration; ids are
 * part of the format and must never be reused.
 */
public enum Compression {
    NONE(0, "none", 0, 0, 0) {
        @Override
        OutputStream compressor(OutputStream out, int level) {
            return out;
        }

        @Override
        InputStream decompressor(InputStream in) {
            return in;
        }
    },
    ZSTD(1, "zstd", 1, 22, 3) {
        @Override
        OutputStream compressor(OutputStream out, int level) throws IOException {
            return compressor(out, level, 0);
        }

        @Override
        OutputStream compressor(OutputStream out, int level, int threads) throws IOException {
            // The recycling pool reuses zstd's native-sized buffers across the many objects of a
            // backup; checksums are off because the object trailer carries SHA-256.
            ZstdOutputStreamNoFinalizer z = new ZstdOutputStreamNoFinalizer(out, RecyclingBufferPool.INSTANCE)
                    .setLevel(level).setChecksum(false);
            if (threads > 0) {
                // zstd's own workers compress the input in jobs while the caller hashes and reads
                // the next bytes; the result is still one ordinary frame.
                z.setWorkers(threads);
            }
            return z;
        }

        @Override
        InputStream decompressor(InputStream in) throws IOException {
            return new ZstdInputStreamNoFinalizer(in, RecyclingBufferPool.INSTANCE);
        }
    },
    LZ4(2, "lz4", 0, 0, 0) {
        @Override
        OutputStream compressor(OutputStream out, int level) throws IOException {
            return new LZ4FrameOutputStream(out, LZ4FrameOutputStream.BLOCKSIZE.SIZE_256KB);
        }

        @Override
        InputStream decompressor(InputStream in) throws IOException {
            // One frame only: bytes after it are the codec's business (an error), not a second frame.
            return new LZ4FrameInputStream(in, true);
        }
    },
    GZIP(3, "gzip", 1, 9, 6) {
        @Override
        OutputStream compressor(OutputStream out, int level) throws IOException {
            return new GZIPOutputStream(out, BUFFER) {
                {
                    def.setLevel(level);
                }
            };
        }

        @Override
        InputStream decompressor(InputStream in) throws IOException {
            return new GZIPInputStream(in, BUFFER);
        }
    };

    /** The default for new objects: zstd at its default level. */
    public static final Compression DEFAULT = ZSTD;

    private static final int BUFFER = 64 * 1024;

    private final int id;
    private final String configName;
    private final int minLevel;
    private final int maxLevel;
    private final int defaultLevel;

    Compression(int id, String configName, int minLevel, int maxLevel, int defaultLevel) {
        this.id = id;
        this.configName = configName;
        this.minLevel = minLevel;
        this.maxLevel = maxLevel;
        this.defaultLevel = defaultLevel;
    }

    /** Parses a configuration value: "zstd", "lz4", "gzip" or "none" (any case). */
    public static Compression parse(String value) {
        String name = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        for (Compression c : values()) {
            if (c.configName.equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown compression '" + value + "': expected one of zstd, lz4, gzip, none");
    }

    /** The compression an object header's id names, or empty for an id this version does not know. */
    public static Optional<Compression> byId(int id) {
        for (Compression c : values()) {
            if (c.id == id) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    public int id() {
        return id;
    }

    public String configName() {
        return configName;
    }

    public int defaultLevel() {
        return defaultLevel;
    }

    /** Returns {@code level} if this compression accepts it; else throws naming the valid range. */
    public int checkLevel(int level) {
        if (level < minLevel || level > maxLevel) {
            String valid = minLevel == maxLevel ? "it takes no level (use " + minLevel + ")" : "use " + minLevel + ".." + maxLevel;
            throw new IllegalArgumentException("compression level " + level + " is not valid for " + configName + ": " + valid);
        }
        return level;
    }

    /** Wraps {@code out}; closing the result finishes the compressed stream and closes {@code out}. */
    abstract OutputStream compressor(OutputStream out, int level) throws IOException;

    /**
     * Like {@link #compressor(OutputStream, int)}, compressing with up to {@code threads}
     * background threads where the compression supports it (zstd); the others ignore it. The
     * stored bytes are readable the same way whatever the count.
     */
    OutputStream compressor(OutputStream out, int level, int threads) throws IOException {
        return compressor(out, level);
    }

    /** Wraps {@code in}; may read the compressed stream's header at once. */
    abstract InputStream decompressor(InputStream in) throws IOException;

    @Override
    public String toString() {
        return configName;
    }
}
