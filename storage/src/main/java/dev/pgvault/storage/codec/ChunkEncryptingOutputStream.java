package dev.pgvault.storage.codec;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Encrypts what is written in {@link ChunkCipher#CHUNK}-sized chunks. A full chunk is sealed only
 * when the next byte arrives, because only then is it known not to be the last; {@link #finish}
 * seals the last one. {@link #close} is not the end of the object: the encoder still writes the
 * trailer, then calls {@link #finish}.
 */
final class ChunkEncryptingOutputStream extends OutputStream {
    private final OutputStream out;
    private final ChunkCipher cipher;
    private final byte[] plain = new byte[ChunkCipher.CHUNK];
    private final byte[] sealed = new byte[ChunkCipher.CHUNK + ChunkCipher.TAG_LEN];
    private int fill;
    private long index;
    private boolean finished;

    ChunkEncryptingOutputStream(OutputStream out, ChunkCipher cipher) {
        this.out = out;
        this.cipher = cipher;
    }

    @Override
    public void write(int b) throws IOException {
        if (fill == plain.length) {
            seal(false);
        }
        plain[fill++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (fill == plain.length) {
                seal(false);
            }
            int n = Math.min(len, plain.length - fill);
            System.arraycopy(b, off, plain, fill, n);
            fill += n;
            off += n;
            len -= n;
        }
    }

    /** Seals the last chunk (possibly full) and flushes; writing afterwards is an error. */
    void finish() throws IOException {
        if (!finished) {
            seal(true);
            finished = true;
            out.flush();
        }
    }

    private void seal(boolean last) throws IOException {
        if (finished) {
            throw new IOException("write after the last encrypted chunk");
        }
        int n = cipher.encrypt(index++, last, plain, fill, sealed);
        out.write(sealed, 0, n);
        fill = 0;
    }

    @Override
    public void flush() {
        // Nothing: a partial chunk cannot be sealed before the object ends.
    }
}
