package dev.pgvault.storage.codec;

import java.io.IOException;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM over fixed-size chunks, the STREAM construction (Hoang, Reyhanitabar, Rogaway,
 * Vizár 2015). Java's GCM decryption releases nothing before it has checked the tag of the whole
 * input, so one GCM operation per object would hold a whole backup file in memory; per chunk, it
 * holds 64 KiB.
 *
 * <p>Chunk {@code i} uses nonce {@code prefix(7) || i(4, big-endian) || last(1)} and associated
 * data {@code header || i(4) || last(1)}. Moving a chunk changes its index, cutting the object at
 * a chunk boundary leaves a last chunk sealed as not-last, appending leaves the real last chunk
 * not last, and changing the header changes every chunk's associated data: each fails its tag.
 */
final class ChunkCipher {
    static final int CHUNK = 64 * 1024;
    static final int TAG_LEN = 16;
    static final int NONCE_PREFIX_LEN = 7;
    private static final long MAX_CHUNKS = 1L << 32;

    private final Cipher cipher;
    private final SecretKeySpec key;
    private final byte[] header;
    private final byte[] nonce = new byte[12];
    private final byte[] aadSuffix = new byte[5];

    ChunkCipher(SecretKeySpec key, byte[] header, byte[] noncePrefix) {
        this.key = key;
        this.header = header.clone();
        System.arraycopy(noncePrefix, 0, nonce, 0, NONCE_PREFIX_LEN);
        try {
            this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM/NoPadding is not available in this JDK", e);
        }
    }

    /** Seals {@code in[0, len)} (at most {@link #CHUNK}) into {@code out}; returns len + 16. */
    int encrypt(long index, boolean last, byte[] in, int len, byte[] out) throws IOException {
        try {
            init(Cipher.ENCRYPT_MODE, index, last);
            return cipher.doFinal(in, 0, len, out, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("aes-gcm encryption failed", e);
        }
    }

    /** Opens {@code in[0, len)} into {@code out}; returns the plain length. */
    int decrypt(long index, boolean last, byte[] in, int len, byte[] out) throws IOException {
        try {
            init(Cipher.DECRYPT_MODE, index, last);
            return cipher.doFinal(in, 0, len, out, 0);
        } catch (AEADBadTagException e) {
            throw new CorruptObjectException("object failed authentication at encrypted chunk " + index
                    + (last ? " (last)" : "") + ": it was modified, truncated, reordered or extended");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("aes-gcm decryption failed", e);
        }
    }

    private void init(int mode, long index, boolean last) throws GeneralSecurityException, IOException {
        if (index >= MAX_CHUNKS) {
            throw new IOException("object too large for encryption: more than " + MAX_CHUNKS + " chunks");
        }
        for (int i = 0; i < 4; i++) {
            byte b = (byte) (index >>> (24 - 8 * i));
            nonce[NONCE_PREFIX_LEN + i] = b;
            aadSuffix[i] = b;
        }
        nonce[11] = aadSuffix[4] = (byte) (last ? 1 : 0);
        cipher.init(mode, key, new GCMParameterSpec(TAG_LEN * 8, nonce));
        cipher.updateAAD(header);
        cipher.updateAAD(aadSuffix);
    }
}
