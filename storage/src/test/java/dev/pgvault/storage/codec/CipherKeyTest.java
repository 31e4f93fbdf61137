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
        byte[] master = KEY.masterKey(KEY.writeKdf());
        for (String s : new String[] {KEY.toString(), spec.toString(), ObjectKeys.derive(master, new byte[16]).toString(),
                KEY.writeKdf().toString()}) {
            assertFalse(s.contains(PASSPHRASE_TEXT), s);
            assertFalse(s.contains(HEX.formatHex(master)), s);
        }
        assertEquals("CipherKey[redacted]", KEY.toString());
    }

    @Test
    void masterKeyIsDerivedOncePerPassphraseSaltAndIterationCount() {
        CipherKey again = CipherKey.fromPassphrase(PASSPHRASE.clone());
        KdfParams stanza = KdfParams.fresh(1000);
        assertSame(KEY.masterKey(stanza), again.masterKey(stanza));
        assertSame(KEY.masterKey(stanza), again.masterKey(new KdfParams(KdfParams.STANZA_SALT, 1000, stanza.salt())));
        assertNotEquals(HEX.formatHex(KEY.masterKey(stanza)), HEX.formatHex(KEY.masterKey(KdfParams.fresh(1000))), "another salt");
        assertNotEquals(HEX.formatHex(KEY.masterKey(stanza)),
                HEX.formatHex(KEY.masterKey(new KdfParams(KdfParams.STANZA_SALT, 2000, stanza.salt()))), "another count");
        assertNotEquals(HEX.formatHex(KEY.masterKey(stanza)), HEX.formatHex(KEY.masterKey(KdfParams.legacy(1000))), "the fixed label");
    }

    @Test
    void newObjectsUseOneRandomSaltPerProcessUntilTheStanzasIsKnown() {
        CipherKey key = CipherKey.fromPassphrase(PASSPHRASE, 5000);
        KdfParams first = key.writeKdf();
        assertEquals(KdfParams.STANZA_SALT, first.id());
        assertEquals(5000, first.iterations());
        assertSame(first, key.writeKdf(), "one salt for the process's objects");
        assertNotEquals(HEX.formatHex(first.salt()), HEX.formatHex(CipherKey.fromPassphrase(PASSPHRASE).writeKdf().salt()),
                "another key, another random salt");
        KdfParams stanza = KdfParams.fresh(1000);
        assertEquals(stanza, key.forStanza(stanza).writeKdf());
        assertEquals(5000, key.forStanza(stanza).iterations(), "the count for a new stanza stays the configured one");
    }

    @Test
    void passphraseBytesAreUsedExactly() throws Exception {
        byte[] withNewline = (PASSPHRASE_TEXT + "\n").getBytes(US_ASCII);
        KdfParams stanza = KdfParams.fresh(1000);
        assertFalse(Arrays.equals(KEY.masterKey(stanza), CipherKey.fromPassphrase(withNewline).masterKey(stanza)));
        byte[] unicode = "pässwörd-ü€".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] legacyViaJdk = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                .generateSecret(new PBEKeySpec("pässwörd-ü€".toCharArray(), "pgvault/cipher-pass/v1".getBytes(US_ASCII), 1000, 256))
                .getEncoded();
        assertArrayEquals(legacyViaJdk, CipherKey.fromPassphrase(unicode).masterKey(KdfParams.legacy(1000)));
        byte[] stanzaViaJdk = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                .generateSecret(new PBEKeySpec("pässwörd-ü€".toCharArray(), stanza.salt(), 1000, 256)).getEncoded();
        assertArrayEquals(stanzaViaJdk, CipherKey.fromPassphrase(unicode).masterKey(stanza));
    }

    @Test
    void kdfParamsOutOfShapeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new KdfParams(KdfParams.STANZA_SALT, 1000, new byte[15]));
        assertThrows(IllegalArgumentException.class, () -> new KdfParams(KdfParams.LEGACY, 1000, new byte[16]));
        assertThrows(IllegalArgumentException.class, () -> new KdfParams(3, 1000, new byte[16]));
        assertThrows(IllegalArgumentException.class, () -> new KdfParams(KdfParams.STANZA_SALT, 0, new byte[16]));
        assertThrows(IllegalArgumentException.class, () -> KdfParams.fresh(KdfParams.MAX_ITERATIONS + 1));
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
