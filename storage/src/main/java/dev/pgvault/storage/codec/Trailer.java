package dev.pgvault.storage.codec;

import java.nio.ByteBuffer;

/**
 * The last 44 bytes of an object's body, after the compressed bytes and inside the encryption:
 * the SHA-256 (32 bytes) and length (8 bytes) of the plain bytes, and the CRC-32C (4 bytes) of the
 * header and compressed bytes. The decoder checks all three when it reaches the end.
 *
 * <p>The CRC catches damage that decodes to the same plain bytes (the ignored time and OS fields
 * of a gzip header, padding bits at the end of a deflate stream), so that in unencrypted objects,
 * too, no flipped byte anywhere goes unreported. The JDK computes it with the CPU's CRC32
 * instruction, far faster than the compressor.
 */
record Trailer(byte[] plainSha256, long plainSize, int compressedCrc) {
    static final int LENGTH = 44;

    byte[] encode() {
        return ByteBuffer.allocate(LENGTH).put(plainSha256).putLong(plainSize).putInt(compressedCrc).array();
    }

    static Trailer decode(byte[] b, int off) {
        ByteBuffer buf = ByteBuffer.wrap(b, off, LENGTH);
        byte[] sha = new byte[32];
        buf.get(sha);
        return new Trailer(sha, buf.getLong(), buf.getInt());
    }
}
