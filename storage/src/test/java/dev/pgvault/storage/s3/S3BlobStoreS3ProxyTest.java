package dev.pgvault.storage.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.storage.BlobStore;
import dev.pgvault.storage.BlobStoreContract;
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.StorageException;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The contract against S3Proxy in this JVM: a fresh bucket, under a key prefix, for every test. */
@Timeout(120)
class S3BlobStoreS3ProxyTest extends BlobStoreContract {
    private static S3ProxyServer server;
    private String bucket;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3ProxyServer.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected BlobStore newStore() {
        bucket = server.createBucket();
        return new S3BlobStore(server.settings(bucket, "repo/main"));
    }

    @Test
    void objectsLiveUnderThePrefixAndNoUploadIsLeftOpen() throws IOException {
        store.put("wal/1", BlobWriter.of(new byte[] {1}));
        byte[] big = random(S3Settings.MIN_PART_SIZE * 2 + 1, 9);
        store.put("big", BlobWriter.of(big));
        assertThrows(IOException.class, () -> store.put("failed", out -> {
            out.write(big);
            throw new IOException("late");
        }));
        assertEquals(List.of("repo/main/big", "repo/main/wal/1"), server.objectKeys(bucket).stream().sorted().toList());
        assertEquals(List.of(), server.openUploads(bucket));
    }

    @Test
    void createWithoutConditionalWritesIsNotAtomicButWorks() throws IOException {
        try (BlobStore plain = new S3BlobStore(server.settings(bucket, "").withConditionalWrites(false))) {
            assertFalse(plain.atomicCreate());
            assertTrue(plain.create("c", BlobWriter.of(new byte[] {1})));
            assertFalse(plain.create("c", BlobWriter.of(new byte[] {2})));
        }
    }

    @Test
    void describeAndErrorsNeverShowTheSecret() throws IOException {
        S3Settings settings = server.settings(bucket, "p");
        assertFalse(settings.toString().contains(S3ProxyServer.SECRET_KEY), settings.toString());
        assertTrue(store.describe().startsWith("s3://" + bucket + "/repo/main"), store.describe());
        try (BlobStore wrong = new S3BlobStore(server.settings("no-such-bucket", "p"))) {
            StorageException e = assertThrows(StorageException.class, () -> wrong.put("k", BlobWriter.of(new byte[1])));
            assertTrue(e.getMessage().contains("'k'") && e.getMessage().contains("no-such-bucket")
                    && e.getMessage().contains("404"), e.getMessage());
            assertFalse(e.getMessage().contains(S3ProxyServer.SECRET_KEY));
            assertFalse(e.getMessage().contains("\n"));
        }
    }

    @Test
    void getBeyondTheEndIsAnErrorButAtTheEndIsEmpty() throws IOException {
        store.put("five", BlobWriter.of(new byte[5]));
        try (var in = store.get("five", 5)) {
            assertEquals(0, in.readAllBytes().length);
        }
        StorageException e = assertThrows(StorageException.class, () -> store.get("five", 6));
        assertTrue(e.getMessage().contains("'five'") && e.getMessage().contains("beyond"), e.getMessage());
    }

    @Test
    void aBadPrefixIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> server.settings(bucket, "a//b"));
        assertThrows(IllegalArgumentException.class, () -> store.list("/abs"));
    }
}
