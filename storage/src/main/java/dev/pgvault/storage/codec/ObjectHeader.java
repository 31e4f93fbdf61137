package dev.pgvault.storage.codec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;

/**
 * The self-describing start of every stored object (layout in {@code package-info.java}). It names
 * everything a reader needs but the key; in encrypted objects it is authenticated as the
 * associated data of every chunk.
 */
record ObjectHeader(Compression compression, Optional<Encryption> encryption) {
    static final int VERSION = 1;
    static final int PLAIN_LENGTH = 8;
    static final int ENCRYPTED_LENGTH = 52;

    private static final byte[] MAGIC = {'P', 'G', 'V', 'O'};
    private static final int CIPHER_NONE = 0;
    /** AES-256-GCM over 64 KiB chunks, STREAM construction; see {@link ChunkCipher}. */
    private static final int CIPHER_AES_256_GCM_64K = 1;
    /** PBKDF2-HMAC-SHA256 with the fixed salt of {@link CipherKey}, then HKDF-SHA256 per object. */
    private static final int KDF_PBKDF2_HKDF_SHA256 = 1;

    /** The encryption parameters of one object; none of them is secret. */
    record Encryption(int kdfIterations, byte[] salt, byte[] noncePrefix, byte[] keyCheck) {
        @Override
        public String toString() {
            return "Encryption[aes-256-gcm, pbkdf2 iterations " + kdfIterations + "]";
        }
    }

    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(encryption.isPresent() ? ENCRYPTED_LENGTH : PLAIN_LENGTH);
        b.put(MAGIC).put((byte) VERSION).put((byte) compression.id());
        b.put((byte) (encryption.isPresent() ? CIPHER_AES_256_GCM_64K : CIPHER_NONE)).put((byte) 0);
        encryption.ifPresent(e -> b.put((byte) KDF_PBKDF2_HKDF_SHA256).putInt(e.kdfIterations())
                .put(e.salt()).put(e.noncePrefix()).put(e.keyCheck()));
        return b.array();
    }

    /** Reads and checks a header, leaving {@code in} at the first byte after it. */
    static ObjectHeader read(InputStream in) throws IOException {
        byte[] fixed = in.readNBytes(PLAIN_LENGTH);
        if (fixed.length == 0) {
            throw new CorruptObjectException("object is empty: not a pgvault object");
        }
        if (!Arrays.equals(fixed, 0, Math.min(4, fixed.length), MAGIC, 0, Math.min(4, fixed.length))) {
            throw new CorruptObjectException("not a pgvault object: bad magic bytes");
        }
        if (fixed.length < PLAIN_LENGTH) {
            throw new CorruptObjectException("object is truncated inside its header");
        }
        if (fixed[4] != VERSION) {
            throw new CorruptObjectException("unsupported object format version " + (fixed[4] & 0xff) + " (this pgvault reads " + VERSION + ")");
        }
        Compression compression = Compression.byId(fixed[5] & 0xff)
                .orElseThrow(() -> new CorruptObjectException("unknown compression id " + (fixed[5] & 0xff) + " in object header"));
        if (fixed[7] != 0) {
            throw new CorruptObjectException("reserved object header byte is " + (fixed[7] & 0xff) + ", expected 0");
        }
        int cipher = fixed[6] & 0xff;
        if (cipher == CIPHER_NONE) {
            return new ObjectHeader(compression, Optional.empty());
        }
        if (cipher != CIPHER_AES_256_GCM_64K) {
            throw new CorruptObjectException("unknown cipher id " + cipher + " in object header");
        }
        byte[] rest = in.readNBytes(ENCRYPTED_LENGTH - PLAIN_LENGTH);
        if (rest.length < ENCRYPTED_LENGTH - PLAIN_LENGTH) {
            throw new CorruptObjectException("object is truncated inside its header");
        }
        ByteBuffer b = ByteBuffer.wrap(rest);
        int kdf = b.get() & 0xff;
        if (kdf != KDF_PBKDF2_HKDF_SHA256) {
            throw new CorruptObjectException("unknown key derivation id " + kdf + " in object header");
        }
        int iterations = b.getInt();
        if (iterations < 1 || iterations > CipherKey.MAX_ITERATIONS) {
            throw new CorruptObjectException("pbkdf2 iteration count " + Integer.toUnsignedString(iterations) + " in object header is out of range");
        }
        byte[] salt = new byte[ObjectKeys.SALT_LEN];
        byte[] noncePrefix = new byte[ChunkCipher.NONCE_PREFIX_LEN];
        byte[] keyCheck = new byte[ObjectKeys.KEY_CHECK_LEN];
        b.get(salt).get(noncePrefix).get(keyCheck);
        return new ObjectHeader(compression, Optional.of(new Encryption(iterations, salt, noncePrefix, keyCheck)));
    }
}
