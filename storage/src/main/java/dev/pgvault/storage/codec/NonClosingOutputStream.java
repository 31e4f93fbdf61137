package dev.pgvault.storage.codec;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Stands between the codec chain and the blob store's sink: passes bytes through and counts them,
 * but {@link #close} only flushes, because the store owns the sink and its close commits the blob.
 */
final class NonClosingOutputStream extends OutputStream {
    private final OutputStream out;
    private long count;

    NonClosingOutputStream(OutputStream out) {
        this.out = out;
    }

    long count() {
        return count;
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        count += len;
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.flush();
    }
}
