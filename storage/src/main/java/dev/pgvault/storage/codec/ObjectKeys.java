package dev.pgvault.storage.codec;

import static java.nio.charset.StandardCharsets.US_ASCII;

import javax.crypto.spec.SecretKeySpec;

/**
 * The keys of one encrypted object, derived from the master key and the object's random salt, so
 * no two objects share an AES key even though one passphrase protects them all.
 *
 * <p>{@code keyCheck} is stored in the header: a mismatch tells a wrong passphrase apart from a
 * damaged body before any data is read. Guessing a passphrase through it costs the same PBKDF2
 * run as guessing through the first GCM tag.
 */
record ObjectKeys(SecretKeySpec aesKey, byte[] keyCheck) {
    static final int SALT_LEN = 16;
    static final int KEY_CHECK_LEN = 16;

    private static final byte[] AES_INFO = "pgvault v1 aes-256-gcm key".getBytes(US_ASCII);
    private static final byte[] CHECK_INFO = "pgvault v1 key check".getBytes(US_ASCII);

    static ObjectKeys derive(byte[] masterKey, byte[] salt) {
        byte[] prk = Hkdf.extract(salt, masterKey);
        return new ObjectKeys(new SecretKeySpec(Hkdf.expand(prk, AES_INFO, 32), "AES"), Hkdf.expand(prk, CHECK_INFO, KEY_CHECK_LEN));
    }

    @Override
    public String toString() {
        return "ObjectKeys[redacted]";
    }
}
