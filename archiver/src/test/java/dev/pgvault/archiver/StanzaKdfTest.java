package dev.pgvault.archiver;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.codec.CipherKey;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.DecodingStream;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.codec.KdfParams;
import dev.pgvault.storage.fs.FsBlobStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stanza's key-derivation salt: chosen at init, recorded in the header of cluster.json, taken
 * from there by every later process for what it writes; a stanza made before salts per stanza is
 * given one by init, and what was written before stays readable.
 */
class StanzaKdfTest {
    private static final byte[] PASSPHRASE = "stanza kdf test passphrase".getBytes(UTF_8);
    private static final ClusterIdentity CLUSTER = new ClusterIdentity(7301234567890123456L, 150004, 16 << 20,
            Instant.parse("2026-11-26T03:00:00Z"));
    private static final RepositoryLayout LAYOUT = new RepositoryLayout("main");

    @TempDir
    Path dir;

    /** A new process: a new store and key, with its own random salt until it reads cluster.json. */
    private EncodedStore process(int iterations) {
        return new EncodedStore(new FsBlobStore(dir), CodecSpec.DEFAULT.withKey(CipherKey.fromPassphrase(PASSPHRASE, iterations)));
    }

    private static KdfParams kdfOf(EncodedStore repo, String key) throws IOException {
        try (DecodingStream in = repo.get(key)) {
            in.readAllBytes();
            return in.kdf().orElseThrow();
        }
    }

    @Test
    void everyProcessWritesWithTheSaltInitChose() throws Exception {
        KdfParams chosen;
        try (EncodedStore init = process(3000)) {
            assertTrue(new StanzaStore(init, LAYOUT).init(CLUSTER));
            chosen = kdfOf(init, LAYOUT.clusterKey());
            assertEquals(KdfParams.STANZA_SALT, chosen.id());
            assertEquals(3000, chosen.iterations());
        }
        for (int i = 0; i < 2; i++) {
            try (EncodedStore push = process(1000)) {
                assertNotEquals(chosen, push.writeKdf().orElseThrow(), "a process's own salt before it reads the stanza");
                new StanzaStore(push, LAYOUT).requireIdentity();
                push.put(LAYOUT.walPrefix() + "object-" + i, BlobWriter.of(new byte[] {1, 2, 3}));
                assertEquals(chosen, kdfOf(push, LAYOUT.walPrefix() + "object-" + i), "the stanza's salt and count");
                assertEquals(Optional.empty(), new StanzaStore(push, LAYOUT).renewKdf(), "nothing to renew");
            }
        }
    }

    @Test
    void initGivesAStanzaMadeBeforeSaltsItsOwnAndOldObjectsStayReadable() throws Exception {
        try (EncodedStore old = process(1000)) {
            old.useStanzaKdf(KdfParams.legacy(1000)); // as pgvault wrote every object before
            new StanzaStore(old, LAYOUT).init(CLUSTER);
            old.put(LAYOUT.walPrefix() + "old", BlobWriter.of("before".getBytes(UTF_8)));
        }
        try (EncodedStore upgraded = process(1000)) { // the new pgvault before anyone runs init
            new StanzaStore(upgraded, LAYOUT).requireIdentity();
            upgraded.put(LAYOUT.walPrefix() + "between", BlobWriter.of("between".getBytes(UTF_8)));
            assertEquals(KdfParams.legacy(1000), kdfOf(upgraded, LAYOUT.walPrefix() + "between"),
                    "the stanza's derivation, which an older pgvault on another host still reads");
        }
        KdfParams renewed;
        try (EncodedStore init = process(20_000)) {
            StanzaStore stanza = new StanzaStore(init, LAYOUT);
            assertEquals(false, stanza.init(CLUSTER));
            renewed = stanza.renewKdf().orElseThrow();
            assertEquals(KdfParams.STANZA_SALT, renewed.id());
            assertEquals(20_000, renewed.iterations());
            assertEquals(renewed, kdfOf(init, LAYOUT.clusterKey()));
        }
        try (EncodedStore later = process(1000)) {
            StanzaStore stanza = new StanzaStore(later, LAYOUT);
            assertEquals(CLUSTER.systemIdentifier(), stanza.requireIdentity().systemIdentifier());
            later.put(LAYOUT.walPrefix() + "new", BlobWriter.of("after".getBytes(UTF_8)));
            assertEquals(renewed, kdfOf(later, LAYOUT.walPrefix() + "new"));
            assertEquals(KdfParams.legacy(1000), kdfOf(later, LAYOUT.walPrefix() + "old"));
            try (DecodingStream in = later.get(LAYOUT.walPrefix() + "old")) {
                assertArrayEquals("before".getBytes(UTF_8), in.readAllBytes());
            }
            assertEquals(Optional.empty(), stanza.renewKdf(), "a configured count lower than the stanza's never lowers it");
        }
        try (EncodedStore stronger = process(50_000)) {
            KdfParams again = new StanzaStore(stronger, LAYOUT).renewKdf().orElseThrow();
            assertEquals(50_000, again.iterations());
            assertNotEquals(renewed, again);
        }
    }

    @Test
    void aPlainRepositoryHasNoSalt() throws Exception {
        try (EncodedStore plain = new EncodedStore(new FsBlobStore(dir), CodecSpec.DEFAULT)) {
            StanzaStore stanza = new StanzaStore(plain, LAYOUT);
            stanza.init(CLUSTER);
            assertEquals(Optional.empty(), stanza.renewKdf());
            assertEquals(Optional.empty(), plain.writeKdf());
        }
    }
}
