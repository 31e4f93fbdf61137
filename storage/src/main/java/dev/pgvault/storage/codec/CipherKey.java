package dev.pgvault.storage.codec;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The repository's encryption key: a master key derived from the cipher passphrase with
 * PBKDF2-HMAC-SHA256. Each object then gets its own AES key from the master key and a random salt
 * (see {@link ObjectKeys}), so the slow derivation runs once per passphrase and process.
 *
 * <p>The PBKDF2 salt is a fixed label, not random: a random one would have to be stored per object
 * and would make every object read pay the slow derivation again. The price is that one
 * precomputed dictionary serves against every pgvault repository, which is why the passphrase
 * file should hold a random secret (for example {@code openssl rand -base64 48}); PBKDF2 only slows
 * down guessing of weak ones.
 *
 * <p>Neither the passphrase nor any key ever appears in {@link #toString()} or in a message.
 */
public final class CipherKey {

    /**
     * PBKDF2 iterations for new objects; the count is recorded in each object header, so it can be
     * raised later without losing old objects. PostgreSQL runs archive_command as a new JVM per
     * 16 MiB WAL segment, and in a fresh JVM PBKDF2 runs interpreted or C1-compiled, without the
     * SHA-256 intrinsic. Measured on this 2-core AMD EPYC, JDK 17, fresh JVM with JCE loaded,
     * {@code fromPassphrase} (median of 11, while other builds loaded the machine): 1 iteration
     * 5 ms (class loading), 1,000 iterations 20 ms (25 ms with the launcher's
     * -XX:TieredStopAtLevel=1), 2,000 27 ms, 4,000 33-73 ms; warm, 1,000 cost 0.3 ms. Hence
     * 1,000, the most that fits a 10-20 ms budget per call. That is a speed bump for guessing, not
     * a defence of a weak passphrase: see the class comment.
     */
    public static final int DEFAULT_ITERATIONS = 1_000;

    /** Accepted from object headers; bounds the work a damaged header can ask for. */
    static final int MAX_ITERATIONS = 10_000_000;

    private static final byte[] KDF_SALT = "pgvault/cipher-pass/v1".getBytes(US_ASCII);
    private static final Map<CacheKey, byte[]> MASTER_KEYS = new ConcurrentHashMap<>();

    private final byte[] passphrase;
    private final int iterations;
    private final byte[] masterKey;

    private CipherKey(byte[] passphrase, int iterations, byte[] masterKey) {
        this.passphrase = passphrase;
        this.iterations = iterations;
        this.masterKey = masterKey;
    }

    /**
     * The key for {@code passphrase}, used exactly as given (the caller strips a trailing newline
     * from the file if it wants to). It must be non-empty UTF-8 text. Derived once per passphrase
     * in a process, then cached.
     */
    public static CipherKey fromPassphrase(byte[] passphrase) {
        return fromPassphrase(passphrase, DEFAULT_ITERATIONS);
    }

    /** Like {@link #fromPassphrase(byte[])} with an explicit PBKDF2 iteration count for new objects. */
    public static CipherKey fromPassphrase(byte[] passphrase, int iterations) {
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("pbkdf2 iterations " + iterations + " out of range 1.." + MAX_ITERATIONS);
        }
        byte[] copy = passphrase.clone();
        return new CipherKey(copy, iterations, cachedMasterKey(copy, iterations));
    }

    int iterations() {
        return iterations;
    }

    /** The master key for new objects. Not copied: callers in this package only read it. */
    byte[] masterKey() {
        return masterKey;
    }

    /** The master key for an object written with {@code iterations}, cached as well. */
    byte[] masterKey(int iterations) {
        return iterations == this.iterations ? masterKey : cachedMasterKey(passphrase, iterations);
    }

    private static byte[] cachedMasterKey(byte[] passphrase, int iterations) {
        return MASTER_KEYS.computeIfAbsent(new CacheKey(passphrase, iterations), k -> pbkdf2(k.passphrase, KDF_SALT, k.iterations));
    }

    /** PBKDF2-HMAC-SHA256 with a 32-byte output, through the JDK's own implementation. */
    static byte[] pbkdf2(byte[] passphrase, byte[] salt, int iterations) {
        if (passphrase.length == 0) {
            throw new IllegalArgumentException("cipher passphrase is empty");
        }
        char[] chars = utf8Chars(passphrase);
        PBEKeySpec spec = new PBEKeySpec(chars, salt, iterations, 256);
        try {
            // The JDK encodes the chars back to UTF-8, so the PRF sees exactly the file's bytes.
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available in this JDK", e);
        } finally {
            spec.clearPassword();
            Arrays.fill(chars, '\0');
        }
    }

    private static char[] utf8Chars(byte[] bytes) {
        try {
            CharBuffer decoded = UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            char[] chars = new char[decoded.remaining()];
            decoded.get(chars);
            Arrays.fill(decoded.array(), '\0');
            return chars;
        } catch (CharacterCodingException e) {
            // Decoding binary bytes leniently would map many passphrases to one key.
            throw new IllegalArgumentException("cipher passphrase is not UTF-8 text: use a text passphrase, e.g. from 'openssl rand -base64 48'");
        }
    }

    @Override
    public String toString() {
        return "CipherKey[redacted]";
    }

    private record CacheKey(byte[] passphrase, int iterations) {
        @Override
        public boolean equals(Object o) {
            return o instanceof CacheKey k && k.iterations == iterations && Arrays.equals(k.passphrase, passphrase);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(passphrase) + iterations;
        }

        @Override
        public String toString() {
            return "CacheKey[redacted]";
        }
    }
}
