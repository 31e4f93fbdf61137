package dev.pgvault.storage.codec;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * Known answers for the encrypted object format. The expected objects were built by hand from
 * the layout in package-info.java by an independent implementation (Python's hashlib, hmac and
 * the cryptography package's AES-GCM, in the commit that added this test), with fixed salts and
 * nonce prefix: any change to the format, the key derivation or the chunk sealing fails here.
 */
class CodecKnownAnswerTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] PASSPHRASE = "pgvault known-answer passphrase".getBytes(US_ASCII);
    private static final byte[] PLAIN = "known answer\n".repeat(10).getBytes(US_ASCII);
    private static final String KEY = "main/wal/0000000100000000/000000010000000000000001";

    /** Stanza salt 00..0f, object salt 10..1f, nonce prefix 20..26, 1,000 iterations, no compression. */
    private static final String STANZA_SALT_OBJECT =
            "5047564f0200010002000003e8000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122"
            + "23242526261a6220d9b882131b2462831d5e773e00326d61696e2f77616c2f303030303030303130303030303030302f"
            + "30303030303030313030303030303030303030303030303185eebc014351614bcdad6b6e240b8971d1447d4c9e919b91"
            + "cdc287fe8052105ca44c8eed502e99e071b5274f8303ec5fa3e589c5cdcadb8b5f58d276c45a8357445dbc1713f1298c"
            + "5580457abd88399727100151a6e98dd9cc80e82be7dccfb07cb06aa6103a40f277d6c1f505502005d1585c87b0095ecd"
            + "9fa7955edba14c8275eabc1bd385ca54b837059f2135ac85ce5180bb0e43988652501fe1338574136804a1e30f49806a"
            + "dcb1e9f30e896d0ce87f1ee5cc55ff975dbefe4ea513";

    /** The same with the fixed PBKDF2 label of repositories made before per-stanza salts. */
    private static final String LEGACY_OBJECT =
            "5047564f0200010001000003e8101112131415161718191a1b1c1d1e1f2021222324252621e0332e027b5c7d638344ad"
            + "55e1156e00326d61696e2f77616c2f303030303030303130303030303030302f30303030303030313030303030303030"
            + "3030303030303031e0f65b8c71a5338417c876aa76bbce8185a56a9a8981be9ddb4f0d88621d596d79d84474ab95d7e0"
            + "9f5884199c8103bfc2b401088172ade53407d3682d382f8b1c5179c67f81cf33061b9ca1387d7a154358b344fcb9a051"
            + "6cc376c5c593a06073bf1e91fbf3b640020a14b0fe59239480443ea6e1a51fedd7127cc722854ba899a7d62a285635d9"
            + "704b860aa223494efa42253efee828e3c1f41dcc2c99582cf8f3daedf5c1b413a8a09bddf33cc75d6544f74d2958d856"
            + "10bb173037c3";

    /** Hands out 10, 11, 12 ... : the object salt, then the nonce prefix, as the encoder asks. */
    private static final class CountingRandom extends SecureRandom {
        private int next = 0x10;

        @Override
        public void nextBytes(byte[] bytes) {
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) next++;
            }
        }
    }

    @Test
    void theEncoderWritesTheKnownObject() throws Exception {
        byte[] stanzaSalt = new byte[16];
        for (int i = 0; i < 16; i++) {
            stanzaSalt[i] = (byte) i;
        }
        CipherKey key = CipherKey.fromPassphrase(PASSPHRASE).forStanza(new KdfParams(KdfParams.STANZA_SALT, 1000, stanzaSalt));
        CodecSpec spec = CodecSpec.of(Compression.NONE).withKey(key);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (EncodingStream enc = new ObjectEncoder(spec, new CountingRandom()).open(out, 0, KEY)) {
            enc.write(PLAIN);
        }
        assertEquals(STANZA_SALT_OBJECT, HEX.formatHex(out.toByteArray()));
    }

    @Test
    void bothKnownObjectsDecodeAndNameTheirKeyDerivation() throws Exception {
        Optional<CipherKey> key = Optional.of(CipherKey.fromPassphrase(PASSPHRASE));
        for (String object : new String[] {STANZA_SALT_OBJECT, LEGACY_OBJECT}) {
            try (DecodingStream in = new ObjectDecoder().open(new ByteArrayInputStream(HEX.parseHex(object)), key, false, KEY)) {
                assertArrayEquals(PLAIN, in.readAllBytes());
                KdfParams kdf = in.kdf().orElseThrow();
                assertEquals(object == LEGACY_OBJECT ? KdfParams.LEGACY : KdfParams.STANZA_SALT, kdf.id());
                assertEquals(1000, kdf.iterations());
            }
        }
    }

    /** The JDK's AES-GCM, which ChunkCipher uses, against the GCM specification's test case 16 (AES-256, with AAD). */
    @Test
    void aesGcmMatchesTheSpecificationsTestCase16() throws Exception {
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(HEX.parseHex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"), "AES"),
                new GCMParameterSpec(128, HEX.parseHex("cafebabefacedbaddecaf888")));
        gcm.updateAAD(HEX.parseHex("feedfacedeadbeeffeedfacedeadbeefabaddad2"));
        byte[] sealed = gcm.doFinal(HEX.parseHex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"));
        assertEquals("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838"
                + "c5f61e6393ba7a0abcc9f662" + "76fc6ece0f4e1768cddf8853bb2d551b", HEX.formatHex(sealed));
    }
}
