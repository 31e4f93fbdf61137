package dev.pgvault.storage.codec;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The reading end of {@link ObjectDecoder}: the plain bytes of one object. The read that reaches
 * the end checks the trailer's length and SHA-256 first and throws {@link CorruptObjectException}
 * instead of returning -1 when they differ; a failure is sticky. Bytes returned before the end
 * are not yet verified, so a caller that must not act on a bad object (a restore writing a file)
 * keeps them provisional until the end.
 */
public final class DecodingStream extends InputStream {
    private static final int BLOCK = 64 * 1024;

    private final CountingInputStream stored;
    private final TrailerSplittingInputStream body;
    private final InputStream decompressor;
    private final Compression compression;
    private final MessageDigest sha256 = Sha256.newDigest();
    private final byte[] block = new byte[BLOCK];
    private int pos;
    private int limit;
    private long plainSize;
    private IOException failure;
    private ObjectDigest result;
    private boolean closed;

    DecodingStream(CountingInputStream stored, TrailerSplittingInputStream body, InputStream decompressor, Compression compression) {
        this.stored = stored;
        this.body = body;
        this.decompressor = decompressor;
        this.compression = compression;
    }

    @Override
    public int read() throws IOException {
        if (pos == limit && !refill()) {
            return -1;
        }
        return block[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (pos == limit) {
            if (len >= BLOCK) {
                return readPlain(b, off, len);
            }
            if (!refill()) {
                return -1;
            }
        }
        int n = Math.min(len, limit - pos);
        System.arraycopy(block, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public int available() {
        return limit - pos;
    }

    /** The plain digest and sizes; available once a read has returned -1. */
    public ObjectDigest result() {
        if (result == null) {
            throw new IllegalStateException("object not verified: read the decoding stream to its end first");
        }
        return result;
    }

    /** Closes the chain and the stored stream. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (InputStream s = stored) {
            decompressor.close();
        }
    }

    private boolean refill() throws IOException {
        int n = readPlain(block, 0, BLOCK);
        if (n < 0) {
            return false;
        }
        pos = 0;
        limit = n;
        return true;
    }

    private int readPlain(byte[] b, int off, int len) throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (result != null) {
            return -1;
        }
        if (closed) {
            throw new IOException("decoding stream is closed");
        }
        int n;
        try {
            do {
                n = decompressor.read(b, off, len);
            } while (n == 0);
            if (n < 0) {
                verifyEnd();
                return -1;
            }
        } catch (IOException | RuntimeException e) {
            failure = translate(body, compression, e);
            throw failure;
        }
        sha256.update(b, off, n);
        plainSize += n;
        return n;
    }

    private void verifyEnd() throws IOException {
        long extra = body.skipToTrailer();
        if (extra > 0) {
            throw new CorruptObjectException("object has " + extra + " unexpected bytes after its " + compression + " data");
        }
        Trailer trailer = body.trailer();
        if (trailer.compressedCrc() != body.crc()) {
            throw new CorruptObjectException(String.format("object checksum mismatch: trailer records crc32c %08x of the stored bytes, they have %08x",
                    trailer.compressedCrc(), body.crc()));
        }
        if (trailer.plainSize() != plainSize) {
            throw new CorruptObjectException("object length mismatch: trailer records " + trailer.plainSize() + " bytes, decoded " + plainSize);
        }
        byte[] actual = sha256.digest();
        if (!MessageDigest.isEqual(actual, trailer.plainSha256())) {
            throw new CorruptObjectException("object checksum mismatch: trailer records sha256 " + HexFormat.of().formatHex(trailer.plainSha256())
                    + ", decoded bytes have " + HexFormat.of().formatHex(actual));
        }
        result = new ObjectDigest(HexFormat.of().formatHex(actual), plainSize, stored.count());
    }

    /**
     * A failure below the decompressor (the store, decryption, truncation) passes unchanged; one
     * raised by the decompressor itself means the compressed bytes are damaged.
     */
    static IOException translate(TrailerSplittingInputStream body, Compression compression, Throwable e) {
        if (body.failure() != null) {
            return body.failure();
        }
        if (e instanceof CorruptObjectException c) {
            return c;
        }
        return new CorruptObjectException("corrupt " + compression + " data in object: " + e.getMessage(), e);
    }
}
