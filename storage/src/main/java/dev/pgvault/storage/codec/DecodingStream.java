package dev.pgvault.storage.codec;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * The reading end of {@link ObjectDecoder}: the plain bytes of one object. The read that reaches
 * the end checks the trailer's length and SHA-256 first and throws {@link CorruptObjectException}
 * instead of returning -1 when they differ; a failure is sticky. Bytes returned before the end
 * are not yet verified, so a caller that must not act on a bad object (a restore writing a file)
 * keeps them provisional until the end.
 *
 * <p>Opened with a {@link BackgroundSha256}, it decompresses into that hash's blocks, which it
 * copies out to the reader while the hash takes them in on its own thread: a large object then
 * costs the reading thread about its decompression alone.
 */
public final class DecodingStream extends InputStream {
    private static final int BLOCK = 64 * 1024;

    private final CountingInputStream stored;
    private final TrailerSplittingInputStream body;
    private final InputStream decompressor;
    private final Compression compression;
    private final MessageDigest sha256;
    private final BackgroundSha256 backgroundSha256;
    private byte[] block;
    private int pos;
    private int limit;
    private long plainSize;
    private boolean decompressorEnded;
    private IOException failure;
    private ObjectDigest result;
    private boolean closed;
    private final Optional<KdfParams> kdf;

    /** {@code backgroundSha256}: where to hash, or null to hash on the reading thread. */
    DecodingStream(CountingInputStream stored, TrailerSplittingInputStream body, InputStream decompressor, Compression compression,
            BackgroundSha256 backgroundSha256, Optional<KdfParams> kdf) {
        this.kdf = kdf;
        this.stored = stored;
        this.body = body;
        this.decompressor = decompressor;
        this.compression = compression;
        this.backgroundSha256 = backgroundSha256;
        this.sha256 = backgroundSha256 == null ? Sha256.newDigest() : null;
        this.block = backgroundSha256 == null ? new byte[BLOCK] : null;
    }

    /**
     * How the object's master key was derived, when it is encrypted. Only trust it once the
     * object was read to its end: the header is authenticated with the body.
     */
    public Optional<KdfParams> kdf() {
        return kdf;
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
            if (len >= BLOCK && backgroundSha256 == null) {
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
            if (backgroundSha256 != null) {
                backgroundSha256.close();
            }
            decompressor.close();
        }
    }

    private boolean refill() throws IOException {
        int n = backgroundSha256 == null ? readPlain(block, 0, BLOCK) : readHashedBehind();
        if (n < 0) {
            return false;
        }
        pos = 0;
        limit = n;
        return true;
    }

    private int readPlain(byte[] b, int off, int len) throws IOException {
        if (atVerifiedEnd()) {
            return -1;
        }
        try {
            int n = decompress(b, off, len);
            if (n < 0) {
                verifyEnd();
                return -1;
            }
            sha256.update(b, off, n);
            return n;
        } catch (IOException | RuntimeException e) {
            failure = translate(body, compression, e);
            throw failure;
        }
    }

    /**
     * Decompresses into a block of the background hash, as full as it gets (fewer hand-overs),
     * queues it for hashing and makes it the block the reader copies from.
     */
    private int readHashedBehind() throws IOException {
        if (atVerifiedEnd()) {
            return -1;
        }
        try {
            if (!decompressorEnded) {
                byte[] next = backgroundSha256.take();
                int n = 0;
                for (int r; n < next.length && (r = decompress(next, n, next.length - n)) >= 0; ) {
                    n += r;
                }
                if (n > 0) {
                    backgroundSha256.update(next, n);
                    block = next;
                    return n;
                }
            }
            verifyEnd();
            return -1;
        } catch (IOException | RuntimeException e) {
            failure = translate(body, compression, e);
            throw failure;
        }
    }

    /** Throws the failure again if there was one; true once the end is verified. */
    private boolean atVerifiedEnd() throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (closed && result == null) {
            throw new IOException("decoding stream is closed");
        }
        return result != null;
    }

    /** Up to {@code len} plain bytes, at least one; -1 at the end of the compressed data. */
    private int decompress(byte[] b, int off, int len) throws IOException {
        int n;
        do {
            n = decompressor.read(b, off, len);
        } while (n == 0);
        if (n < 0) {
            decompressorEnded = true;
        } else {
            plainSize += n;
        }
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
        byte[] actual = backgroundSha256 == null ? sha256.digest() : backgroundSha256.digest();
        if (!MessageDigest.isEqual(actual, trailer.plainSha256())) {
            throw new CorruptObjectException("object checksum mismatch: trailer records sha256 " + HexFormat.of().formatHex(trailer.plainSha256())
                    + ", decoded bytes have " + HexFormat.of().formatHex(actual));
        }
        result = new ObjectDigest(HexFormat.of().formatHex(actual), plainSize, stored.count());
    }

    /**
     * A failure below the decompressor (the store, decryption, truncation) and an interrupt pass
     * unchanged; one raised by the decompressor itself means the compressed bytes are damaged.
     */
    static IOException translate(TrailerSplittingInputStream body, Compression compression, Throwable e) {
        if (body.failure() != null) {
            return body.failure();
        }
        if (e instanceof CorruptObjectException || e instanceof InterruptedIOException) {
            return (IOException) e;
        }
        return new CorruptObjectException("corrupt " + compression + " data in object: " + e.getMessage(), e);
    }
}
