package dev.pgvault.storage.codec;

import java.io.IOException;
import java.io.InputStream;

/** Counts the bytes read from a stored object, for {@link ObjectDigest#storedSize()}. */
final class CountingInputStream extends InputStream {
    private final InputStream in;
    private long count;

    CountingInputStream(InputStream in) {
        this.in = in;
    }

    long count() {
        return count;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            count++;
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            count += n;
        }
        return n;
    }

    @Override
    public int available() throws IOException {
        return in.available();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
