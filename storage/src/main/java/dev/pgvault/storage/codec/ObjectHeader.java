package dev.pgvault.storage.codec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * The self-describing start of every stored object (layout in {@code package-info.java}). It names
 * everything a reader needs, and since format 2 the key the object was written under, so an object
 * moved or swapped to another key is refused however intact its bytes are. In encrypted objects
 * it is authenticated as the associated data of every chunk; in plain ones the trailer's CRC-32C
 * covers it.
 *
 * @param boundKey the key the object was written under (format 2); empty in a format-1 object,
 *     which is read as before, bound to nothing
 */
record ObjectHeader(Compression compression, Optional<Encryption> encryption, Optional<String> boundKey) {
    /** Format 1: no key. Still read; written only where no key is known (codec unit tests). */
    static final int VERSION_UNBOUND = 1;
    /** Format 2: the fixed part, the encryption part if any, then the key. */
    static final int VERSION_BOUND = 2;
    static final int PLAIN_LENGTH = 8;
    /** An encrypted object's fixed part with a stanza salt (key derivation 2); 52 with the legacy derivation 1. */
    static final int ENCRYPTED_LENGTH = 68;
    /** Cipher fields after the key derivation's own: salt, nonce prefix, key check. */
    private static final int CIPHER_FIELDS = ObjectKeys.SALT_LEN + ChunkCipher.NONCE_PREFIX_LEN + ObjectKeys.KEY_CHECK_LEN;
    /** S3 allows keys of 1024 bytes; a longer length field can only be damage. */
    static final int MAX_KEY_BYTES = 1024;

    private static final byte[] MAGIC = {'P', 'G', 'V', 'O'};
    private static final int CIPHER_NONE = 0;
    /** AES-256-GCM over 64 KiB chunks, STREAM construction; see {@link ChunkCipher}. */
    private static final int CIPHER_AES_256_GCM_64K = 1;
    /** The encryption parameters of one object; none of them is secret. */
    record Encryption(KdfParams kdf, byte[] salt, byte[] noncePrefix, byte[] keyCheck) {
        @Override
        public String toString() {
            return "Encryption[aes-256-gcm, " + kdf + "]";
        }
    }

    ObjectHeader {
        boundKey.ifPresent(k -> {
            int n = k.getBytes(StandardCharsets.UTF_8).length;
            if (n == 0 || n > MAX_KEY_BYTES) {
                throw new IllegalArgumentException("an object key must be 1 to " + MAX_KEY_BYTES + " bytes, not " + n);
            }
        });
    }

    byte[] encode() {
        byte[] key = boundKey.map(k -> k.getBytes(StandardCharsets.UTF_8)).orElse(null);
        int length = PLAIN_LENGTH + encryption.map(e -> 1 + e.kdf().encodedLength() + CIPHER_FIELDS).orElse(0)
                + (key == null ? 0 : 2 + key.length);
        ByteBuffer b = ByteBuffer.allocate(length);
        b.put(MAGIC).put((byte) (key == null ? VERSION_UNBOUND : VERSION_BOUND)).put((byte) compression.id());
        b.put((byte) (encryption.isPresent() ? CIPHER_AES_256_GCM_64K : CIPHER_NONE)).put((byte) 0);
        encryption.ifPresent(e -> b.put((byte) e.kdf().id()).putInt(e.kdf().iterations()).put(e.kdf().salt())
                .put(e.salt()).put(e.noncePrefix()).put(e.keyCheck()));
        if (key != null) {
            b.putShort((short) key.length).put(key);
        }
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
        int version = fixed[4] & 0xff;
        if (version != VERSION_UNBOUND && version != VERSION_BOUND) {
            throw new CorruptObjectException("unsupported object format version " + version + " (this pgvault reads "
                    + VERSION_UNBOUND + " and " + VERSION_BOUND + ")");
        }
        Compression compression = Compression.byId(fixed[5] & 0xff)
                .orElseThrow(() -> new CorruptObjectException("unknown compression id " + (fixed[5] & 0xff) + " in object header"));
        if (fixed[7] != 0) {
            throw new CorruptObjectException("reserved object header byte is " + (fixed[7] & 0xff) + ", expected 0");
        }
        int cipher = fixed[6] & 0xff;
        Optional<Encryption> encryption;
        if (cipher == CIPHER_NONE) {
            encryption = Optional.empty();
        } else if (cipher == CIPHER_AES_256_GCM_64K) {
            encryption = Optional.of(readEncryption(in));
        } else {
            throw new CorruptObjectException("unknown cipher id " + cipher + " in object header");
        }
        Optional<String> key = version == VERSION_BOUND ? Optional.of(readKey(in)) : Optional.empty();
        return new ObjectHeader(compression, encryption, key);
    }

    private static Encryption readEncryption(InputStream in) throws IOException {
        byte[] idAndCount = readFully(in, 5);
        ByteBuffer b = ByteBuffer.wrap(idAndCount);
        int kdf = b.get() & 0xff;
        if (kdf != KdfParams.LEGACY && kdf != KdfParams.STANZA_SALT) {
            throw new CorruptObjectException("unknown key derivation id " + kdf + " in object header");
        }
        int iterations = b.getInt();
        if (iterations < 1 || iterations > KdfParams.MAX_ITERATIONS) {
            throw new CorruptObjectException("pbkdf2 iteration count " + Integer.toUnsignedString(iterations) + " in object header is out of range");
        }
        byte[] kdfSalt = readFully(in, kdf == KdfParams.STANZA_SALT ? KdfParams.SALT_LEN : 0);
        ByteBuffer rest = ByteBuffer.wrap(readFully(in, CIPHER_FIELDS));
        byte[] salt = new byte[ObjectKeys.SALT_LEN];
        byte[] noncePrefix = new byte[ChunkCipher.NONCE_PREFIX_LEN];
        byte[] keyCheck = new byte[ObjectKeys.KEY_CHECK_LEN];
        rest.get(salt).get(noncePrefix).get(keyCheck);
        return new Encryption(new KdfParams(kdf, iterations, kdfSalt), salt, noncePrefix, keyCheck);
    }

    private static byte[] readFully(InputStream in, int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        if (bytes.length < n) {
            throw new CorruptObjectException("object is truncated inside its header");
        }
        return bytes;
    }

    private static String readKey(InputStream in) throws IOException {
        byte[] len = in.readNBytes(2);
        if (len.length < 2) {
            throw new CorruptObjectException("object is truncated inside its header");
        }
        int n = ((len[0] & 0xff) << 8) | (len[1] & 0xff);
        if (n == 0 || n > MAX_KEY_BYTES) {
            throw new CorruptObjectException("object header gives a key of " + n + " bytes (1 to " + MAX_KEY_BYTES + " expected)");
        }
        byte[] key = in.readNBytes(n);
        if (key.length < n) {
            throw new CorruptObjectException("object is truncated inside its header");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(key)).toString();
        } catch (CharacterCodingException e) {
            throw new CorruptObjectException("the key in the object header is not UTF-8");
        }
    }
}
