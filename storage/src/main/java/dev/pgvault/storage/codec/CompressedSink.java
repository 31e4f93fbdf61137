package dev.pgvault.storage.codec;

import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.CRC32C;

/**
 * Where the compressor writes: takes the CRC-32C of the compressed bytes (seeded with the header)
 * for the {@link Trailer}, and ignores {@link #close}, because after the compressor has closed its
 * output the encoder still writes the trailer into the same body.
 */
final class CompressedSink extends OutputStream {
    private final OutputStream body;
    private final CRC32C crc = new CRC32C();

    CompressedSink(OutputStream body, byte[] header) {
        this.body = body;
        crc.update(header, 0, header.length);
    }

    int crc() {
        return (int) crc.getValue();
    }

    @Override
    public void write(int b) throws IOException {
        body.write(b);
        crc.update(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        body.write(b, off, len);
        crc.update(b, off, len);
    }

    @Override
    public void close() {
        // See the class comment.
    }
}
