package dev.pgvault.storage.codec;

import static dev.pgvault.storage.codec.CodecFixtures.KEY;
import static dev.pgvault.storage.codec.CodecFixtures.compressible;
import static dev.pgvault.storage.codec.CodecFixtures.decode;
import static dev.pgvault.storage.codec.CodecFixtures.encode;
import static dev.pgvault.storage.codec.CodecFixtures.random;
import static dev.pgvault.storage.codec.CodecFixtures.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CodecRoundTripTest {
    private static final int CHUNK = ChunkCipher.CHUNK;
    private static final int TRAILER = Trailer.LENGTH;
    private static final int MIB = 1024 * 1024;

    /** Sizes around the empty object and around 64 KiB chunks, of plain and of plain + trailer. */
    private static final int[] SIZES = {0, 1, 100, CHUNK - TRAILER - 1, CHUNK - TRAILER, CHUNK - TRAILER + 1,
            CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK - TRAILER, 2 * CHUNK, 20 * MIB};

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (CodecSpec spec : CodecFixtures.allSpecs()) {
            for (int size : SIZES) {
                cases.add(Arguments.of(CodecFixtures.describe(spec), spec, size, "random"));
            }
            cases.add(Arguments.of(CodecFixtures.describe(spec), spec, 20 * MIB, "compressible"));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {2} bytes {3}")
    @MethodSource("cases")
    void roundTripsBytesAndDigest(String name, CodecSpec spec, int size, String kind) throws Exception {
        byte[] plain = kind.equals("random") ? random(size, size) : compressible(size, size);
        CodecFixtures.Encoded encoded = encode(spec, plain);

        assertEquals(new ObjectDigest(sha256(plain), size, encoded.stored().length), encoded.digest());
        DecodingStream in = new ObjectDecoder().open(new ByteArrayInputStream(encoded.stored()), spec.key());
        byte[] decoded;
        try (in) {
            decoded = in.readAllBytes();
        }
        assertArrayEquals(plain, decoded);
        assertEquals(encoded.digest(), in.result());
        if (kind.equals("compressible") && spec.compression() != Compression.NONE) {
            assertTrue(encoded.stored().length < size / 2, name + " compressed " + size + " to " + encoded.stored().length);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void compressionThreadsStoreBytesEveryReaderDecodes(String name, CodecSpec spec) throws Exception {
        // Several of zstd's jobs, so its workers really split the object.
        byte[] plain = compressible(24 * MIB + 4321, 11);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        EncodingStream out = new ObjectEncoder(spec).open(sink, 2);
        try (out) {
            for (int pos = 0; pos < plain.length; pos += MIB) {
                out.write(plain, pos, Math.min(MIB, plain.length - pos));
            }
        }
        assertEquals(new ObjectDigest(sha256(plain), plain.length, sink.size()), out.result());
        assertArrayEquals(plain, decode(sink.toByteArray(), spec.key()));
        if (spec.compression() != Compression.NONE) {
            assertTrue(sink.size() < plain.length / 2, name + " compressed to " + sink.size());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void oddWriteAndReadSizesGiveTheSameBytes(String name, CodecSpec spec) throws Exception {
        byte[] plain = compressible(3 * CHUNK + 12345, 7);
        Random r = new Random(1);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        EncodingStream out = new ObjectEncoder(spec).open(sink);
        try (out) {
            int pos = 0;
            while (pos < plain.length) {
                int n = Math.min(plain.length - pos, pickSize(r));
                if (n == 1) {
                    out.write(plain[pos]);
                } else {
                    out.write(plain, pos, n);
                }
                pos += n;
            }
        }
        assertEquals(sha256(plain), out.result().plainSha256());

        ByteArrayOutputStream decoded = new ByteArrayOutputStream();
        try (DecodingStream in = new ObjectDecoder().open(new ByteArrayInputStream(sink.toByteArray()), spec.key())) {
            byte[] buf = new byte[200_000];
            while (true) {
                int want = pickSize(r);
                if (want == 1) {
                    int b = in.read();
                    if (b < 0) {
                        break;
                    }
                    decoded.write(b);
                } else {
                    int n = in.read(buf, 3, Math.min(want, buf.length - 3));
                    if (n < 0) {
                        break;
                    }
                    decoded.write(buf, 3, n);
                }
            }
            assertEquals(-1, in.read());
            assertEquals(out.result(), in.result());
        }
        assertArrayEquals(plain, decoded.toByteArray());
    }

    private static int pickSize(Random r) {
        int[] sizes = {1, 1, 7, 4096, CHUNK - 1, CHUNK, CHUNK + 3, 150_000};
        return sizes[r.nextInt(sizes.length)];
    }

    static Stream<Arguments> specs() {
        return CodecFixtures.allSpecs().stream().map(s -> Arguments.of(CodecFixtures.describe(s), s));
    }

    @Test
    void closingTheEncoderFlushesButDoesNotCloseTheSink() throws Exception {
        boolean[] state = new boolean[2];
        OutputStream sink = new FilterOutputStream(new ByteArrayOutputStream()) {
            @Override
            public void flush() {
                state[0] = true;
            }

            @Override
            public void close() {
                state[1] = true;
            }
        };
        EncodingStream out = new ObjectEncoder(CodecSpec.DEFAULT.withKey(KEY)).open(sink);
        assertThrows(IllegalStateException.class, out::result);
        out.write(new byte[] {1, 2, 3});
        out.close();
        out.close();
        assertTrue(state[0], "sink flushed");
        assertFalse(state[1], "sink closed");
        assertThrows(IOException.class, () -> out.write(4));
        assertEquals(3, out.result().plainSize());
    }

    @Test
    void levelsAreAppliedAndRecordedNowhere() throws Exception {
        byte[] plain = compressible(4 * MIB, 3);
        byte[] fast = encode(new CodecSpec(Compression.ZSTD, 1, Optional.empty()), plain).stored();
        byte[] strong = encode(new CodecSpec(Compression.ZSTD, 19, Optional.empty()), plain).stored();
        assertTrue(strong.length < fast.length, "zstd 19 (" + strong.length + ") smaller than zstd 1 (" + fast.length + ")");
        assertArrayEquals(plain, decode(fast, Optional.empty()));
        assertArrayEquals(plain, decode(strong, Optional.empty()));
        byte[] gzip1 = encode(new CodecSpec(Compression.GZIP, 1, Optional.empty()), plain).stored();
        byte[] gzip9 = encode(new CodecSpec(Compression.GZIP, 9, Optional.empty()), plain).stored();
        assertTrue(gzip9.length < gzip1.length);
        assertArrayEquals(plain, decode(gzip9, Optional.empty()));
    }

    @Test
    void objectsWrittenWithAnotherIterationCountDecodeWithTheSamePassphrase() throws Exception {
        byte[] plain = random(1000, 5);
        CipherKey slower = CipherKey.fromPassphrase(CodecFixtures.PASSPHRASE, 5000);
        byte[] stored = encode(CodecSpec.DEFAULT.withKey(slower), plain).stored();
        assertArrayEquals(plain, decode(stored, Optional.of(KEY)));
    }
}
