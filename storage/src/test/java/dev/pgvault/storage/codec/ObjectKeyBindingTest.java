package dev.pgvault.storage.codec;

import static dev.pgvault.storage.codec.CodecFixtures.compressible;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.fs.FsBlobStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Format 2 binds an object to the key it was stored under: an intact object read under another
 * key (one WAL segment swapped for another, a bundle for a bundle) is refused; format-1 objects,
 * which name no key, stay readable.
 */
class ObjectKeyBindingTest {
    private static final String KEY = "main/wal/0000000100000000/000000010000000000000005";
    private static final String OTHER = "main/wal/0000000100000000/000000010000000000000007";

    static Stream<Arguments> specs() {
        return CodecFixtures.allSpecs().stream().map(s -> Arguments.of(CodecFixtures.describe(s), s));
    }

    private static byte[] encode(CodecSpec spec, byte[] plain, String key) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (EncodingStream out = new ObjectEncoder(spec).open(sink, 0, key)) {
            out.write(plain);
        }
        return sink.toByteArray();
    }

    private static byte[] decode(CodecSpec spec, byte[] stored, String key) throws IOException {
        try (InputStream in = new ObjectDecoder().open(new ByteArrayInputStream(stored), spec.key(), false, key)) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void anObjectReadUnderItsOwnKeyDecodesAndUnderAnotherIsRefused(String name, CodecSpec spec) throws Exception {
        byte[] plain = compressible(100_000, 5);
        byte[] stored = encode(spec, plain, KEY);
        assertEquals(2, stored[4], "format 2");
        assertArrayEquals(plain, decode(spec, stored, KEY));
        assertArrayEquals(plain, decode(spec, stored, null), "no key asked: not checked");
        CorruptObjectException e = assertThrows(CorruptObjectException.class, () -> decode(spec, stored, OTHER));
        assertEquals("object under " + OTHER + " was written as " + KEY + ": it was moved or swapped in the repository",
                e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void formatOneObjectsNameNoKeyAndStayReadable(String name, CodecSpec spec) throws Exception {
        byte[] plain = compressible(20_000, 6);
        byte[] stored = CodecFixtures.encode(spec, plain).stored();
        assertEquals(1, stored[4], "format 1");
        assertArrayEquals(plain, decode(spec, stored, OTHER));
    }

    /** The key is covered like the rest of the header: by the tag when encrypted, else the CRC-32C. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void everyByteFlipOfABoundObjectIsRejected(String name, CodecSpec spec) throws Exception {
        byte[] stored = encode(spec, compressible(3000, 7), KEY);
        for (int p = 0; p < stored.length; p++) {
            byte[] bad = stored.clone();
            bad[p] ^= 0x01;
            int at = p;
            assertThrows(IOException.class, () -> decode(spec, bad, null), name + " byte " + at);
        }
    }

    @Test
    void aHeaderRewrittenToClaimAnotherKeyFailsTheChecksOfAPlainObject() throws Exception {
        CodecSpec spec = CodecSpec.of(Compression.ZSTD);
        byte[] stored = encode(spec, compressible(3000, 8), KEY);
        byte[] forged = stored.clone();
        byte[] other = OTHER.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(other, 0, forged, 10, other.length); // same length: only the name differs
        assertThrows(CorruptObjectException.class, () -> decode(spec, forged, OTHER));
    }

    @Test
    void keysOfBadLengthAreRefusedOnWriteAndOnRead() throws Exception {
        CodecSpec spec = CodecSpec.of(Compression.NONE);
        assertThrows(IllegalArgumentException.class, () -> encode(spec, new byte[1], ""));
        assertThrows(IllegalArgumentException.class, () -> encode(spec, new byte[1], "k".repeat(1025)));
        byte[] stored = encode(spec, new byte[1], "a");
        stored[8] = (byte) 0x7f; // key length 0x7f01
        CorruptObjectException e = assertThrows(CorruptObjectException.class, () -> decode(spec, stored, "a"));
        assertTrue(e.getMessage().contains("key of 32513 bytes"), e.getMessage());
    }

    /** What the reliability trial found: an intact WAL object swapped for another on disk. */
    @Test
    void twoObjectsSwappedOnDiskAreEachRefused(@TempDir Path dir) throws Exception {
        try (EncodedStore store = new EncodedStore(new FsBlobStore(dir), CodecSpec.of(Compression.ZSTD))) {
            store.put(KEY, BlobWriter.of(compressible(5000, 9)));
            store.put(OTHER, BlobWriter.of(compressible(5000, 10)));
            Path a = dir.resolve(KEY);
            Path b = dir.resolve(OTHER);
            Path t = dir.resolve("t");
            Files.move(a, t);
            Files.move(b, a);
            Files.move(t, b, StandardCopyOption.ATOMIC_MOVE);
            for (String k : new String[] {KEY, OTHER}) {
                CorruptObjectException e = assertThrows(CorruptObjectException.class, () -> {
                    try (InputStream in = store.get(k)) {
                        in.readAllBytes();
                    }
                });
                assertTrue(e.getMessage().startsWith("object under " + k + " was written as "), e.getMessage());
            }
        }
    }

    @Test
    void encryptedObjectsBindTheKeyInTheAuthenticatedHeader() throws Exception {
        CodecSpec spec = CodecSpec.of(Compression.LZ4).withKey(CodecFixtures.KEY);
        byte[] stored = encode(spec, compressible(3000, 11), KEY);
        assertEquals(ObjectHeader.ENCRYPTED_LENGTH + 2 + KEY.length(), headerLength(stored));
        assertArrayEquals(decode(spec, stored, KEY), decode(spec, stored, Optional.<String>empty().orElse(null)));
    }

    private static int headerLength(byte[] stored) throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream(stored);
        ObjectHeader.read(in);
        return stored.length - in.available();
    }
}
