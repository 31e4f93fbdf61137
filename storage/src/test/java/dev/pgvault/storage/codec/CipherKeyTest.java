package dev.pgvault.storage.codec;

import static dev.pgvault.storage.codec.CodecFixtures.KEY;
import static dev.pgvault.storage.codec.CodecFixtures.PASSPHRASE;
import static dev.pgvault.storage.codec.CodecFixtures.PASSPHRASE_TEXT;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.junit.jupiter.api.Test;

class CipherKeyTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void neverShowsTheKeyOrPassphrase() {
        CodecSpec spec = CodecSpec.DEFAULT.withKey(KEY);
        for (String s : new String[] {KEY.toString(), spec.toString(), ObjectKeys.derive(KEY.masterKey(), new byte[16]).toString()}) {
            assertFalse(s.contains(PASSPHRASE_TEXT), s);
            assertFalse(s.contains(HEX.formatHex(KEY.masterKey())), s);
        }
        assertEquals("CipherKey[redacted]", KEY.toString());
    }

    @Test
    void masterKeyIsDerivedOncePerPassphraseAndIterationCount() {
        CipherKey again = CipherKey.fromPassphrase(PASSPHRASE.clone());
        assertSame(KEY.masterKey(), again.masterKey());
        assertSame(KEY.masterKey(), again.masterKey(CipherKey.DEFAULT_ITERATIONS));
        assertNotEquals(HEX.formatHex(KEY.masterKey()), HEX.formatHex(KEY.masterKey(2000)));
        assertSame(KEY.masterKey(2000), again.masterKey(2000));
    }

    @Test
    void passphraseBytesAreUsedExactly() throws Exception {
        byte[] withNewline = (PASSPHRASE_TEXT + "\n").getBytes(US_ASCII);
        assertFalse(Arrays.equals(KEY.masterKey(), CipherKey.fromPassphrase(withNewline).masterKey()));
        byte[] unicode = "pässwörd-ü€".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] viaJdk = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                .generateSecret(new PBEKeySpec("pässwörd-ü€".toCharArray(), "pgvault/cipher-pass/v1".getBytes(US_ASCII), 1000, 256))
                .getEncoded();
        assertArrayEquals(viaJdk, CipherKey.fromPassphrase(unicode).masterKey());
    }

    @Test
    void rejectsEmptyAndBinaryPassphrasesWithoutEchoingThem() {
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> CipherKey.fromPassphrase(new byte[0]));
        assertEquals("cipher passphrase is empty", empty.getMessage());
        byte[] binary = {'s', 'e', 'c', (byte) 0xff, (byte) 0xfe, 'r', 'e', 't'};
        IllegalArgumentException notText = assertThrows(IllegalArgumentException.class, () -> CipherKey.fromPassphrase(binary));
        assertFalse(notText.getMessage().contains("sec"), notText.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CipherKey.fromPassphrase(PASSPHRASE, 0));
    }

    @Test
    void pbkdf2MatchesRfc7914TestVectors() {
        assertEquals("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc",
                HEX.formatHex(CipherKey.pbkdf2("passwd".getBytes(US_ASCII), "salt".getBytes(US_ASCII), 1)));
        assertEquals("4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56",
                HEX.formatHex(CipherKey.pbkdf2("Password".getBytes(US_ASCII), "NaCl".getBytes(US_ASCII), 80000)));
    }

    @Test
    void hkdfMatchesRfc5869TestCase1() {
        byte[] ikm = new byte[22];
        Arrays.fill(ikm, (byte) 0x0b);
        byte[] prk = Hkdf.extract(HEX.parseHex("000102030405060708090a0b0c"), ikm);
        assertEquals("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5", HEX.formatHex(prk));
        assertEquals("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
                HEX.formatHex(Hkdf.expand(prk, HEX.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42)));
    }

    @Test
    void printsTheWarmCostOfTheDefaultIterationCount() {
        byte[] p = "warm-up passphrase".getBytes(US_ASCII);
        for (int i = 0; i < 20; i++) {
            CipherKey.pbkdf2(p, p, CipherKey.DEFAULT_ITERATIONS);
        }
        long t0 = System.nanoTime();
        int runs = 50;
        for (int i = 0; i < runs; i++) {
            CipherKey.pbkdf2(p, p, CipherKey.DEFAULT_ITERATIONS);
        }
        System.out.printf("pbkdf2-hmac-sha256 %d iterations, warm JIT: %.2f ms%n", CipherKey.DEFAULT_ITERATIONS,
                (System.nanoTime() - t0) / 1e6 / runs);
    }
}
