package dev.pgvault.storage.codec;

import static dev.pgvault.storage.codec.CodecFixtures.KEY;
import static dev.pgvault.storage.codec.CodecFixtures.OTHER_KEY;
import static dev.pgvault.storage.codec.CodecFixtures.PASSPHRASE_TEXT;
import static dev.pgvault.storage.codec.CodecFixtures.compressible;
import static dev.pgvault.storage.codec.CodecFixtures.decode;
import static dev.pgvault.storage.codec.CodecFixtures.encode;
import static dev.pgvault.storage.codec.CodecFixtures.random;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Damaged, cut, extended, reordered objects and wrong keys: always an exception, never bytes. */
class CodecTamperTest {
    private static final int SEALED = ChunkCipher.CHUNK + ChunkCipher.TAG_LEN;
    private static final StringBuilder MESSAGES = new StringBuilder();

    static Stream<Arguments> specs() {
        return CodecFixtures.allSpecs().stream().map(s -> Arguments.of(CodecFixtures.describe(s), s));
    }

    /** About 300 KiB, mostly incompressible, so that encrypted objects have several chunks. */
    private static byte[] plain() {
        byte[] a = random(200 * 1024, 11);
        byte[] b = compressible(100 * 1024, 12);
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int headerLength(CodecSpec spec) {
        return spec.key().isPresent() ? ObjectHeader.ENCRYPTED_LENGTH : ObjectHeader.PLAIN_LENGTH;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void flippedBytesInHeaderMiddleAndTrailerAreRejected(String name, CodecSpec spec) throws Exception {
        byte[] stored = encode(spec, plain()).stored();
        int h = headerLength(spec);
        int n = stored.length;
        TreeSet<Integer> positions = new TreeSet<>();
        for (int i = 0; i < h; i++) {
            positions.add(i);
        }
        for (int p : new int[] {h, h + 1, h + 100, h + SEALED - 1, h + SEALED, n / 2, n - 45, n - 44, n - 40, n - 20, n - 17, n - 16, n - 1}) {
            positions.add(p);
        }
        for (int p : positions) {
            for (int mask : new int[] {0x01, 0x80, 0xff}) {
                byte[] bad = stored.clone();
                bad[p] ^= (byte) mask;
                assertRejected(bad, spec.key(), name + " byte " + p + " of " + n + " ^ " + mask);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void everySingleByteFlipOfASmallObjectIsRejected(String name, CodecSpec spec) throws Exception {
        byte[] stored = encode(spec, compressible(3000, 21)).stored();
        for (int p = 0; p < stored.length; p++) {
            byte[] bad = stored.clone();
            bad[p] ^= 0x01;
            assertRejected(bad, spec.key(), name + " byte " + p + " of " + stored.length);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void truncationAtAnyLengthIsRejected(String name, CodecSpec spec) throws Exception {
        byte[] stored = encode(spec, plain()).stored();
        int h = headerLength(spec);
        int n = stored.length;
        TreeSet<Integer> lengths = new TreeSet<>();
        for (int i = 0; i <= h + Trailer.LENGTH + 2; i++) {
            lengths.add(i);
        }
        for (int k = 1; h + k * SEALED <= n; k++) {
            lengths.add(h + k * SEALED - 1);
            lengths.add(h + k * SEALED);
            lengths.add(h + k * SEALED + 1);
        }
        for (int l : new int[] {n / 2, n - SEALED, n - 45, n - 44, n - 43, n - 40, n - 17, n - 16, n - 15, n - 1}) {
            lengths.add(l);
        }
        for (int l : lengths) {
            if (l < n) {
                assertRejected(Arrays.copyOf(stored, l), spec.key(), name + " cut to " + l + " of " + n);
            }
        }
        byte[] small = encode(spec, compressible(2000, 22)).stored();
        for (int l = 0; l < small.length; l++) {
            assertRejected(Arrays.copyOf(small, l), spec.key(), name + " small cut to " + l + " of " + small.length);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void appendedBytesAreRejected(String name, CodecSpec spec) throws Exception {
        byte[] stored = encode(spec, plain()).stored();
        byte[] lastChunk = Arrays.copyOfRange(stored, Math.max(0, stored.length - 1000), stored.length);
        for (byte[] tail : new byte[][] {{0}, {1}, random(43, 1), random(44, 2), random(45, 3), random(SEALED, 4), stored, lastChunk}) {
            byte[] bad = Arrays.copyOf(stored, stored.length + tail.length);
            System.arraycopy(tail, 0, bad, stored.length, tail.length);
            assertRejected(bad, spec.key(), name + " plus " + tail.length + " bytes");
        }
    }

    @Test
    void reorderedDroppedOrDuplicatedChunksAreRejected() throws Exception {
        byte[] stored = encode(CodecSpec.of(Compression.NONE).withKey(KEY), random(5 * ChunkCipher.CHUNK, 31)).stored();
        int h = ObjectHeader.ENCRYPTED_LENGTH;
        byte[] header = Arrays.copyOf(stored, h);
        byte[][] chunks = new byte[(stored.length - h + SEALED - 1) / SEALED][];
        for (int i = 0; i < chunks.length; i++) {
            chunks[i] = Arrays.copyOfRange(stored, h + i * SEALED, Math.min(stored.length, h + (i + 1) * SEALED));
        }
        assertEquals(6, chunks.length);
        assertRejected(join(header, chunks[1], chunks[0], chunks[2], chunks[3], chunks[4], chunks[5]), Optional.of(KEY), "swap 0 1");
        assertRejected(join(header, chunks[0], chunks[2], chunks[3], chunks[4], chunks[5]), Optional.of(KEY), "drop 1");
        assertRejected(join(header, chunks[0], chunks[1], chunks[1], chunks[2], chunks[3], chunks[4], chunks[5]), Optional.of(KEY), "repeat 1");
        assertRejected(join(header, chunks[0], chunks[1], chunks[2], chunks[3], chunks[5]), Optional.of(KEY), "drop 4");
        byte[] other = encode(CodecSpec.of(Compression.NONE).withKey(KEY), random(5 * ChunkCipher.CHUNK, 31)).stored();
        byte[] spliced = stored.clone();
        System.arraycopy(other, h + SEALED, spliced, h + SEALED, SEALED);
        assertRejected(spliced, Optional.of(KEY), "chunk 1 from another object of the same key");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void wrongOrMissingKeyIsAWrongKeyException(String name, CodecSpec spec) throws Exception {
        byte[] stored = encode(spec, plain()).stored();
        if (spec.key().isPresent()) {
            WrongKeyException wrong = assertThrows(WrongKeyException.class, () -> decode(stored, Optional.of(OTHER_KEY)));
            assertEquals("cannot decrypt object: wrong passphrase or corrupted object header", wrong.getMessage());
            WrongKeyException missing = assertThrows(WrongKeyException.class, () -> decode(stored, Optional.empty()));
            assertEquals("object is encrypted: repo cipher-pass-file is not set", missing.getMessage());
            record(wrong);
            record(missing);
        } else {
            WrongKeyException plainInEncryptedRepo = assertThrows(WrongKeyException.class, () -> decode(stored, Optional.of(KEY)));
            assertTrue(plainInEncryptedRepo.getMessage().contains("not encrypted"));
            record(plainInEncryptedRepo);
        }
    }

    @Test
    void somethingElseIsNotAnObject() {
        CorruptObjectException e = assertThrows(CorruptObjectException.class, () -> decode("hello world, not an object".getBytes(UTF_8), Optional.empty()));
        assertTrue(e.getMessage().contains("not a pgvault object"), e.getMessage());
        assertThrows(CorruptObjectException.class, () -> decode(new byte[0], Optional.empty()));
    }

    @Test
    void failureIsStickyAndTheStoredStreamIsClosed() throws Exception {
        byte[] stored = encode(CodecSpec.of(Compression.NONE), random(1000, 3)).stored();
        stored[stored.length - 1] ^= 1;
        boolean[] closed = {false};
        InputStream source = new ByteArrayInputStream(stored) {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        DecodingStream in = new ObjectDecoder().open(source, Optional.empty());
        assertThrows(CorruptObjectException.class, in::readAllBytes);
        assertThrows(CorruptObjectException.class, in::read, "a second read must not look like a clean end");
        assertThrows(IllegalStateException.class, in::result);
        in.close();
        assertTrue(closed[0]);

        closed[0] = false;
        byte[] encrypted = encode(CodecSpec.DEFAULT.withKey(KEY), random(10, 3)).stored();
        InputStream source2 = new ByteArrayInputStream(encrypted) {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        assertThrows(WrongKeyException.class, () -> new ObjectDecoder().open(source2, Optional.empty()));
        assertTrue(closed[0], "a failed open closes the stored stream");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void encryptedOutputHidesThePlaintextAndDiffersEveryTime(String name, CodecSpec spec) throws Exception {
        byte[] plain = compressible(256 * 1024, 41);
        byte[] marker = "checkpoint record at".getBytes(UTF_8);
        byte[] first = encode(spec, plain).stored();
        byte[] second = encode(spec, plain).stored();
        if (spec.key().isEmpty()) {
            assertArrayEquals(first, second, "without encryption, encoding is deterministic");
            if (spec.compression() == Compression.NONE) {
                assertTrue(indexOf(first, marker) >= 0, "the marker is findable in plain output");
            }
            return;
        }
        assertEquals(-1, indexOf(first, marker));
        assertEquals(-1, indexOf(first, Arrays.copyOfRange(plain, 1000, 1016)));
        assertFalse(Arrays.equals(first, second));
        assertArrayEquals(Arrays.copyOfRange(first, 13, 29), Arrays.copyOfRange(second, 13, 29), "one key-derivation salt");
        assertFalse(Arrays.equals(Arrays.copyOfRange(first, 29, 45), Arrays.copyOfRange(second, 29, 45)), "object salts differ");
        int h = ObjectHeader.ENCRYPTED_LENGTH;
        assertFalse(Arrays.equals(Arrays.copyOfRange(first, h, h + 64), Arrays.copyOfRange(second, h, h + 64)), "ciphertexts differ");
        assertArrayEquals(plain, decode(second, spec.key()));
    }

    @AfterAll
    static void noMessageRevealsThePassphrase() {
        String all = MESSAGES.toString();
        assertTrue(all.length() > 1000, "messages were collected");
        assertFalse(all.contains(PASSPHRASE_TEXT), "passphrase in an exception message");
        assertFalse(all.toLowerCase().contains(HexFormat.of().formatHex(CodecFixtures.PASSPHRASE)), "hex passphrase in an exception message");
        assertFalse(all.contains(HexFormat.of().formatHex(KEY.masterKey(KEY.writeKdf()))), "master key in an exception message");
    }

    private static void assertRejected(byte[] stored, Optional<CipherKey> key, String what) {
        try {
            byte[] out = decode(stored, key);
            fail(what + ": decoded " + out.length + " bytes instead of failing");
        } catch (CorruptObjectException | WrongKeyException expected) {
            record(expected);
        } catch (IOException | RuntimeException other) {
            throw new AssertionError(what + ": untyped failure " + other, other);
        }
    }

    private static synchronized void record(Throwable t) {
        if (MESSAGES.length() < 4_000_000) {
            MESSAGES.append(CodecFixtures.allMessages(t));
        }
    }

    private static byte[] join(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int pos = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, pos, p.length);
            pos += p.length;
        }
        return out;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
