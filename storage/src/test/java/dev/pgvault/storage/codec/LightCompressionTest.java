package dev.pgvault.storage.codec;

import static dev.pgvault.storage.codec.CodecFixtures.compressible;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.storage.fs.FsBlobStore;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An object stored lightly compressed (what wal-receive stores of a segment in progress) reads
 * back as any other, under every codec: LZ4 where the repository compresses, nothing where it
 * does not, encrypted where it is, bound to its key.
 */
class LightCompressionTest {
    private static final String KEY = "main/wal/0000000100000000/000000010000000000000005.stream";

    @TempDir
    Path dir;

    static Stream<Arguments> specs() {
        return CodecFixtures.allSpecs().stream().map(s -> Arguments.of(CodecFixtures.describe(s), s));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void aLightlyCompressedObjectReadsBackAndItsHeaderSaysLz4UnlessTheRepositoryDoesNotCompress(String name,
            CodecSpec spec) throws Exception {
        byte[] plain = compressible(300_000, 9);
        FsBlobStore blobs = new FsBlobStore(dir);
        try (EncodedStore repo = new EncodedStore(blobs, spec)) {
            KdfParams stanzaKdf = KdfParams.fresh(1000);
            repo.useStanzaKdf(stanzaKdf); // as a stanza's commands do: its objects share the stanza's salt
            repo.putLightlyCompressed(KEY, out -> out.write(plain));
            try (InputStream in = repo.get(KEY)) {
                assertArrayEquals(plain, in.readAllBytes());
            }
            ObjectHeader header;
            try (InputStream raw = blobs.get(KEY)) {
                header = ObjectHeader.read(raw);
            }
            assertEquals(spec.compression() == Compression.NONE ? Compression.NONE : Compression.LZ4, header.compression());
            assertEquals(spec.key().isPresent(), header.encryption().isPresent());
            header.encryption().ifPresent(enc -> { // the stanza's salt, not this process's own
                assertEquals(stanzaKdf.iterations(), enc.kdf().iterations());
                assertArrayEquals(stanzaKdf.salt(), enc.kdf().salt());
            });
            assertEquals(KEY, header.boundKey().orElseThrow());
            if (spec.compression() != Compression.NONE) {
                assertTrue(blobs.stat(KEY).orElseThrow().size() < plain.length / 2, "compressed");
            }
        }
    }
}
