package dev.pgvault.storage.codec;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32C;

/**
 * Passes an object's body through except its last {@link Trailer#LENGTH} bytes, which it holds
 * back as the trailer. The decompressor above it thus sees exactly the compressed bytes, and its
 * read-ahead can never swallow the trailer. It takes the CRC-32C of the header and of every byte
 * it passes on or skips, for the trailer's check.
 *
 * <p>It remembers the exception it last passed up, so the decoder can tell a failure of the store
 * or of decryption (passed on unchanged) from one of the decompressor (reported as corruption).
 */
final class TrailerSplittingInputStream extends InputStream {
    private static final int HOLD = Trailer.LENGTH;

    private final InputStream in;
    private final byte[] buf = new byte[128 * 1024];
    private final byte[] one = new byte[1];
    private final CRC32C crc = new CRC32C();
    private int pos;
    private int limit;
    private boolean eof;
    private IOException failure;

    TrailerSplittingInputStream(InputStream in, byte[] header) {
        this.in = in;
        crc.update(header, 0, header.length);
    }

    /** The CRC-32C of the header and the bytes before the trailer read or skipped so far. */
    int crc() {
        return (int) crc.getValue();
    }

    IOException failure() {
        return failure;
    }

    @Override
    public int read() throws IOException {
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (limit - pos <= HOLD) {
            if (eof) {
                return -1;
            }
            fill();
        }
        int n = Math.min(len, limit - pos - HOLD);
        System.arraycopy(buf, pos, b, off, n);
        crc.update(buf, pos, n);
        pos += n;
        return n;
    }

    /** Reads to the end of the body; returns how many bytes stood between the last read and the trailer. */
    long skipToTrailer() throws IOException {
        long skipped = 0;
        while (true) {
            int extra = Math.max(0, limit - pos - HOLD);
            skipped += extra;
            crc.update(buf, pos, extra);
            pos += extra;
            if (eof) {
                return skipped;
            }
            fill();
        }
    }

    /** The held-back trailer; valid once {@link #skipToTrailer} has returned 0. */
    Trailer trailer() {
        return Trailer.decode(buf, pos);
    }

    private void fill() throws IOException {
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
        int n;
        try {
            n = in.read(buf, limit, buf.length - limit);
        } catch (IOException e) {
            failure = e;
            throw e;
        }
        if (n < 0) {
            eof = true;
            if (limit < HOLD) {
                failure = new CorruptObjectException("object is truncated: " + limit + " bytes left where the " + HOLD + "-byte trailer belongs");
                throw failure;
            }
        } else {
            limit += n;
        }
    }

    @Override
    public int available() {
        return Math.max(0, limit - pos - HOLD);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
