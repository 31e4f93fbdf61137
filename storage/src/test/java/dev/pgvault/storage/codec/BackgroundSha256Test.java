package dev.pgvault.storage.codec;

import static dev.pgvault.storage.codec.CodecFixtures.compressible;
import static dev.pgvault.storage.codec.CodecFixtures.encode;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Decoding with the hash on its own thread: the same bytes, the same digest, the same refusals. */
class BackgroundSha256Test {
    private static final int BLOCK = BackgroundSha256.BLOCK;

    static Stream<Arguments> specs() {
        return CodecFixtures.allSpecs().stream().map(s -> Arguments.of(CodecFixtures.describe(s), s));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void decodesTheSameBytesAndDigestWhateverTheReadSizes(String name, CodecSpec spec) throws Exception {
        Random r = new Random(3);
        for (int size : new int[] {0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 12345}) {
            byte[] plain = compressible(size, size);
            CodecFixtures.Encoded encoded = encode(spec, plain);
            ByteArrayOutputStream decoded = new ByteArrayOutputStream();
            DecodingStream in = open(encoded.stored(), spec.key());
            try (in) {
                byte[] buf = new byte[2 * BLOCK];
                while (true) {
                    int want = new int[] {1, 4096, BLOCK - 3, BLOCK, 2 * BLOCK}[r.nextInt(5)];
                    if (want == 1) {
                        int b = in.read();
                        if (b < 0) {
                            break;
                        }
                        decoded.write(b);
                    } else {
                        int n = in.read(buf, 0, want);
                        if (n < 0) {
                            break;
                        }
                        decoded.write(buf, 0, n);
                    }
                }
                assertEquals(-1, in.read(), name + " " + size + " bytes: still -1 after the end");
            }
            assertArrayEquals(plain, decoded.toByteArray(), name + " " + size + " bytes");
            assertEquals(encoded.digest(), in.result(), name + " " + size + " bytes");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void aDamagedOrCutObjectIsRefusedAtItsEnd(String name, CodecSpec spec) throws Exception {
        byte[] stored = encode(spec, compressible(2 * BLOCK + 777, 5)).stored();
        int n = stored.length;
        for (int p : new int[] {n / 2, n - Trailer.LENGTH, n - 20, n - 1}) {
            byte[] bad = stored.clone();
            bad[p] ^= 0x10;
            assertRefused(bad, spec.key(), name + " byte " + p + " of " + n);
        }
        assertRefused(Arrays.copyOf(stored, n - 1), spec.key(), name + " cut by one byte");
    }

    @Test
    void aTrailerThatRecordsOtherPlainBytesIsRefusedByTheBackgroundHash() throws Exception {
        // Unencrypted, uncompressed: the CRC does not cover the trailer, so only the SHA-256 can tell.
        byte[] stored = encode(CodecSpec.of(Compression.NONE), compressible(BLOCK + 5, 8)).stored();
        stored[stored.length - Trailer.LENGTH] ^= 0x01;
        CorruptObjectException e = assertThrows(CorruptObjectException.class, () -> readAll(stored, Optional.empty()));
        assertTrue(e.getMessage().contains("sha256"), e.getMessage());
    }

    @Test
    void closingMidObjectEndsTheHashingThread() throws Exception {
        byte[] stored = encode(CodecSpec.DEFAULT, compressible(8 * BLOCK, 9)).stored();
        try (DecodingStream in = open(stored, Optional.empty())) {
            assertTrue(in.read(new byte[100]) > 0);
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (hashThreadsAlive() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, hashThreadsAlive(), "hashing threads still running after close");
    }

    private static DecodingStream open(byte[] stored, Optional<CipherKey> key) throws IOException {
        return new ObjectDecoder().open(new ByteArrayInputStream(stored), key, true);
    }

    private static void readAll(byte[] stored, Optional<CipherKey> key) throws IOException {
        try (DecodingStream in = open(stored, key)) {
            in.readAllBytes();
        }
    }

    private static void assertRefused(byte[] stored, Optional<CipherKey> key, String what) {
        IOException e = assertThrows(IOException.class, () -> readAll(stored, key), what);
        assertTrue(e instanceof CorruptObjectException || e instanceof WrongKeyException, what + ": " + e);
    }

    private static long hashThreadsAlive() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("pgvault-sha256") && t.isAlive()).count();
    }
}
