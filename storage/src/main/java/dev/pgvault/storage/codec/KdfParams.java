package dev.pgvault.storage.codec;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * How the master key is derived from the cipher passphrase: PBKDF2-HMAC-SHA256 with these
 * iterations and salt. None of it is secret; every encrypted object's header records it, so a
 * reader derives the right master key before it has read anything else.
 *
 * <p>{@link #STANZA_SALT} (2): a random salt chosen once per stanza (by {@code pgvault init}) and
 * recorded in the header of the stanza's {@code cluster.json}, whence every writer takes it: one
 * derivation per process, and no precomputation serves against two repositories. {@link #LEGACY}
 * (1): the fixed label {@code "pgvault/cipher-pass/v1"} of repositories made before; still read.
 */
public record KdfParams(int id, int iterations, byte[] salt) {
    public static final int LEGACY = 1;
    public static final int STANZA_SALT = 2;
    public static final int SALT_LEN = 16;
    /** Accepted from object headers; bounds the work a damaged header can ask for. */
    public static final int MAX_ITERATIONS = 10_000_000;

    static final byte[] LEGACY_SALT = "pgvault/cipher-pass/v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** Created on first use: its provider start-up costs ~15 ms. */
    private static final class Random {
        static final SecureRandom INSTANCE = new SecureRandom();
    }

    public KdfParams {
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("pbkdf2 iterations " + Integer.toUnsignedString(iterations) + " out of range 1.." + MAX_ITERATIONS);
        }
        if (id == LEGACY && salt.length != 0 || id == STANZA_SALT && salt.length != SALT_LEN) {
            throw new IllegalArgumentException("key derivation " + id + " with a salt of " + salt.length + " bytes");
        }
        if (id != LEGACY && id != STANZA_SALT) {
            throw new IllegalArgumentException("unknown key derivation id " + id);
        }
        salt = salt.clone();
    }

    /** The derivation of repositories written before per-stanza salts. */
    public static KdfParams legacy(int iterations) {
        return new KdfParams(LEGACY, iterations, new byte[0]);
    }

    /** A new random salt, for a stanza that has none yet. */
    public static KdfParams fresh(int iterations) {
        byte[] salt = new byte[SALT_LEN];
        Random.INSTANCE.nextBytes(salt);
        return new KdfParams(STANZA_SALT, iterations, salt);
    }

    public boolean isLegacy() {
        return id == LEGACY;
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    /** The PBKDF2 salt: the stanza's own, or the fixed label of {@link #LEGACY}. */
    byte[] pbkdf2Salt() {
        return id == LEGACY ? LEGACY_SALT.clone() : salt.clone();
    }

    /** Bytes in an object header after the key-derivation id. */
    int encodedLength() {
        return 4 + salt.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KdfParams k && k.id == id && k.iterations == iterations && Arrays.equals(k.salt, salt);
    }

    @Override
    public int hashCode() {
        return (31 * id + iterations) * 31 + Arrays.hashCode(salt);
    }

    @Override
    public String toString() {
        return "pbkdf2-hmac-sha256, " + iterations + " iterations, "
                + (id == LEGACY ? "fixed salt (made before per-stanza salts)" : "salt " + HexFormat.of().formatHex(salt));
    }
}
