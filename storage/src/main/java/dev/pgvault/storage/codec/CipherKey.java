package dev.pgvault.storage.codec;

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
 * PBKDF2-HMAC-SHA256 (see {@link KdfParams}). Each object then gets its own AES key from the
 * master key and a random salt (see {@link ObjectKeys}), so the slow derivation runs once per
 * passphrase, stanza salt and process, and only when an encrypted object is first written or read.
 *
 * <p>New objects are written with the stanza's derivation ({@link #forStanza}), which the stanza
 * records in its {@code cluster.json}. Before it is known (the {@code cluster.json} of a new
 * stanza), a random salt of this process and the configured iterations are used.
 *
 * <p>Neither the passphrase nor any key ever appears in {@link #toString()} or in a message.
 */
public final class CipherKey {

    /**
     * PBKDF2 iterations for a new stanza; the count is recorded in each object header, so it can
     * be raised later without losing old objects. PostgreSQL runs archive_command as a new JVM per
     * 16 MiB WAL segment unless archive.async is on, and every such JVM derives the master key once.
     * Measured on this 2-core AMD EPYC, JDK 17, fresh JVM as the launcher starts it (C2 on), time
     * of the derivation alone, median of 7 (bench/kdf-cost.sh): see the README's encryption section
     * for the figures. 1,000 is the count the synchronous per-segment path paid before; a resident
     * archiver (archive.async) pays any count once per start. The setting
     * repo.cipher-kdf-iterations raises it for a new stanza, or for an existing one at its next
     * {@code pgvault init}.
     */
    public static final int DEFAULT_ITERATIONS = 1_000;

    /** Accepted from object headers; bounds the work a damaged header can ask for. */
    static final int MAX_ITERATIONS = KdfParams.MAX_ITERATIONS;

    private static final Map<CacheKey, byte[]> MASTER_KEYS = new ConcurrentHashMap<>();

    private final byte[] passphrase;
    private final int iterations;
    private final KdfParams stanzaKdf; // null: not known yet, the process's own is chosen on first write
    private KdfParams processKdf;

    private CipherKey(byte[] passphrase, int iterations, KdfParams stanzaKdf) {
        this.passphrase = passphrase;
        this.iterations = iterations;
        this.stanzaKdf = stanzaKdf;
    }

    /**
     * The key for {@code passphrase}, used exactly as given (the caller strips a trailing newline
     * from the file if it wants to). It must be non-empty UTF-8 text.
     */
    public static CipherKey fromPassphrase(byte[] passphrase) {
        return fromPassphrase(passphrase, DEFAULT_ITERATIONS);
    }

    /** Like {@link #fromPassphrase(byte[])} with the PBKDF2 iteration count for a new stanza. */
    public static CipherKey fromPassphrase(byte[] passphrase, int iterations) {
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("pbkdf2 iterations " + iterations + " out of range 1.." + MAX_ITERATIONS);
        }
        byte[] copy = passphrase.clone();
        checkPassphrase(copy);
        return new CipherKey(copy, iterations, null);
    }

    /** The same passphrase, writing new objects with the stanza's derivation {@code kdf}. */
    public CipherKey forStanza(KdfParams kdf) {
        return new CipherKey(passphrase, iterations, kdf);
    }

    /** The iteration count configured for a new stanza salt. */
    public int iterations() {
        return iterations;
    }

    /** The derivation new objects are written with. */
    public synchronized KdfParams writeKdf() {
        if (stanzaKdf != null) {
            return stanzaKdf;
        }
        if (processKdf == null) {
            processKdf = KdfParams.fresh(iterations);
        }
        return processKdf;
    }

    /** The master key for objects written with {@code kdf}, derived once per process. Not copied: callers in this package only read it. */
    byte[] masterKey(KdfParams kdf) {
        return MASTER_KEYS.computeIfAbsent(new CacheKey(passphrase, kdf), k -> pbkdf2(k.passphrase, kdf.pbkdf2Salt(), kdf.iterations()));
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

    private static void checkPassphrase(byte[] passphrase) {
        if (passphrase.length == 0) {
            throw new IllegalArgumentException("cipher passphrase is empty");
        }
        Arrays.fill(utf8Chars(passphrase), '\0');
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

    private record CacheKey(byte[] passphrase, KdfParams kdf) {
        @Override
        public boolean equals(Object o) {
            return o instanceof CacheKey k && k.kdf.equals(kdf) && Arrays.equals(k.passphrase, passphrase);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(passphrase) + kdf.hashCode();
        }

        @Override
        public String toString() {
            return "CacheKey[redacted]";
        }
    }
}
