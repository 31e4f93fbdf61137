package dev.pgvault.storage.codec;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the chunks {@link ChunkEncryptingOutputStream} wrote and releases each one's plain bytes
 * only after its tag checks. A chunk is opened as the last one exactly when the stored stream ends
 * after it, so truncation at a chunk boundary and appended bytes both fail authentication.
 */
final class ChunkDecryptingInputStream extends InputStream {
    private static final int SEALED = ChunkCipher.CHUNK + ChunkCipher.TAG_LEN;

    private final InputStream in;
    private final ChunkCipher cipher;
    private final byte[] sealed = new byte[SEALED];
    private final byte[] plain = new byte[ChunkCipher.CHUNK];
    private int pos;
    private int limit;
    private long index;
    private boolean lastOpened;
    private int lookahead = -1;

    ChunkDecryptingInputStream(InputStream in, ChunkCipher cipher) {
        this.in = in;
        this.cipher = cipher;
    }

    @Override
    public int read() throws IOException {
        while (pos == limit) {
            if (lastOpened) {
                return -1;
            }
            openNext();
        }
        return plain[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (pos == limit) {
            if (lastOpened) {
                return -1;
            }
            openNext();
        }
        int n = Math.min(len, limit - pos);
        System.arraycopy(plain, pos, b, off, n);
        pos += n;
        return n;
    }

    private void openNext() throws IOException {
        int n = 0;
        if (lookahead >= 0) {
            sealed[n++] = (byte) lookahead;
            lookahead = -1;
        }
        n += in.readNBytes(sealed, n, SEALED - n);
        boolean last = n < SEALED || (lookahead = in.read()) < 0;
        if (n < ChunkCipher.TAG_LEN) {
            throw new CorruptObjectException("object is truncated: encrypted chunk " + index + " has " + n + " bytes, less than its tag");
        }
        limit = cipher.decrypt(index++, last, sealed, n, plain);
        pos = 0;
        lastOpened = last;
    }

    @Override
    public int available() {
        return limit - pos;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
