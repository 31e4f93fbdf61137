package dev.pgvault.storage.codec;

import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The writing end of {@link ObjectEncoder}: takes plain bytes, hashes and counts them, and feeds
 * them through compression (and encryption) to the sink. {@link #close} finishes the object and
 * flushes the sink but never closes it: the blob store owns the sink. Always close it, also on
 * failure: the zstd compressor holds native memory until then.
 *
 * <p>Small writes are gathered into 64 KiB blocks so that hashing and the compressor's native
 * calls run per block, not per write. {@link #flush} does nothing: a compressor flushed mid-stream
 * only loses ratio, and the object is complete only on close anyway.
 */
public final class EncodingStream extends OutputStream {
    private static final int BLOCK = 64 * 1024;

    private final NonClosingOutputStream sink;
    private final OutputStream body;
    private final ChunkEncryptingOutputStream encryptor;
    private final CompressedSink compressed;
    private final OutputStream compressor;
    private final MessageDigest sha256 = Sha256.newDigest();
    private final byte[] block = new byte[BLOCK];
    private int fill;
    private long plainSize;
    private boolean closed;
    private ObjectDigest result;

    /**
     * {@code encryptor} is {@code body} when encrypting and null when not; {@code compressor}
     * writes into {@code compressed}, which writes into {@code body}.
     */
    EncodingStream(NonClosingOutputStream sink, OutputStream body, ChunkEncryptingOutputStream encryptor,
            CompressedSink compressed, OutputStream compressor) {
        this.sink = sink;
        this.body = body;
        this.encryptor = encryptor;
        this.compressed = compressed;
        this.compressor = compressor;
    }

    @Override
    public void write(int b) throws IOException {
        ensureOpen();
        if (fill == BLOCK) {
            drain();
        }
        block[fill++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        if (len > BLOCK - fill) {
            drain();
            if (len >= BLOCK) {
                emit(b, off, len);
                return;
            }
        }
        System.arraycopy(b, off, block, fill, len);
        fill += len;
    }

    @Override
    public void flush() {
        // See the class comment.
    }

    /** Finishes compression and encryption, writes the trailer, flushes the sink. Idempotent. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try (OutputStream c = compressor) {
            drain();
        } finally {
            closed = true;
        }
        byte[] digest = sha256.digest();
        body.write(new Trailer(digest, plainSize, compressed.crc()).encode());
        if (encryptor != null) {
            encryptor.finish();
        }
        sink.flush();
        result = new ObjectDigest(HexFormat.of().formatHex(digest), plainSize, sink.count());
    }

    /** The plain digest and sizes; available once {@link #close} has returned normally. */
    public ObjectDigest result() {
        if (result == null) {
            throw new IllegalStateException("object not finished: close the encoding stream first");
        }
        return result;
    }

    private void drain() throws IOException {
        if (fill > 0) {
            emit(block, 0, fill);
            fill = 0;
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("encoding stream is closed");
        }
    }

    private void emit(byte[] b, int off, int len) throws IOException {
        sha256.update(b, off, len);
        plainSize += len;
        compressor.write(b, off, len);
    }
}
