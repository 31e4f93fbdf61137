package dev.pgvault.storage.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class CompressionTest {

    @Test
    void parsesConfigNames() {
        assertEquals(Compression.ZSTD, Compression.parse("zstd"));
        assertEquals(Compression.LZ4, Compression.parse("lz4"));
        assertEquals(Compression.GZIP, Compression.parse("gzip"));
        assertEquals(Compression.NONE, Compression.parse("none"));
        assertEquals(Compression.ZSTD, Compression.parse(" ZSTD "));
    }

    @Test
    void badNamesAreNamedInTheError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Compression.parse("zst"));
        assertEquals("unknown compression 'zst': expected one of zstd, lz4, gzip, none", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Compression.parse(""));
        assertThrows(IllegalArgumentException.class, () -> Compression.parse(null));
    }

    @Test
    void idsArePartOfTheFormatAndNeverChange() {
        assertEquals(0, Compression.NONE.id());
        assertEquals(1, Compression.ZSTD.id());
        assertEquals(2, Compression.LZ4.id());
        assertEquals(3, Compression.GZIP.id());
        for (Compression c : Compression.values()) {
            assertEquals(Optional.of(c), Compression.byId(c.id()));
        }
        assertEquals(Optional.empty(), Compression.byId(4));
    }

    @Test
    void levelsAreChecked() {
        assertEquals(3, CodecSpec.DEFAULT.level());
        assertEquals(Compression.ZSTD, CodecSpec.DEFAULT.compression());
        CodecSpec.of(Compression.ZSTD).withLevel(22);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CodecSpec.of(Compression.ZSTD).withLevel(23));
        assertEquals("compression level 23 is not valid for zstd: use 1..22", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CodecSpec.of(Compression.GZIP).withLevel(0));
        IllegalArgumentException lz4 = assertThrows(IllegalArgumentException.class, () -> CodecSpec.of(Compression.LZ4).withLevel(5));
        assertTrue(lz4.getMessage().contains("takes no level"), lz4.getMessage());
    }
}
