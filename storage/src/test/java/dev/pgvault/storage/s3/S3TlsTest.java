package dev.pgvault.storage.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.storage.BlobInfo;
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.StorageException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * S3 over https, through the TLS set-up made on the first connection ({@link LazyTlsSocketFactory}):
 * S3Proxy with a self-signed certificate for 127.0.0.1, trusted through the JVM's standard
 * {@code javax.net.ssl.trustStore} property, as a user would with a private CA. The certificate
 * is checked: untrusted, or for another host name, the request fails.
 */
class S3TlsTest {
    private static final String PASSWORD = "pgvault-tls-test";

    @TempDir
    static Path tmp;

    private static S3ProxyServer server;
    private static Path keyStore;

    @BeforeAll
    static void start() throws Exception {
        keyStore = tmp.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "s3", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", keyStore.toString(),
                "-storepass", PASSWORD, "-keypass", PASSWORD).redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes());
        assertEquals(0, keytool.waitFor(), output);
        server = S3ProxyServer.start(keyStore, PASSWORD);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void aStoreOverHttpsWorksWhenItsCertificateIsTrustedAndFailsWhenNot() throws Exception {
        String bucket = server.createBucket();
        URI https = server.secureUri();
        byte[] content = new byte[6 * 1024 * 1024 + 17]; // multipart: 5 MiB parts
        new Random(3).nextBytes(content);

        StorageException untrusted = assertThrows(StorageException.class,
                () -> withTrust(null, () -> put(https, bucket, "seg", content)));
        assertTrue(untrusted.getMessage().contains("'seg'") && untrusted.getMessage().contains("PKIX path building failed")
                && !untrusted.getMessage().contains("\n"), untrusted.getMessage());

        withTrust(keyStore, () -> {
            try (S3BlobStore store = new S3BlobStore(S3ProxyServer.settings(https, bucket, "repo"))) {
                store.put("seg", BlobWriter.of(content));
                assertTrue(store.create("new", BlobWriter.of(new byte[] {1})));
                assertFalse(store.create("new", BlobWriter.of(new byte[] {2})));
                try (InputStream in = store.get("seg")) {
                    assertArrayEquals(content, in.readAllBytes());
                }
                try (Stream<BlobInfo> keys = store.list("")) {
                    assertEquals(List.of("new", "seg"), keys.map(BlobInfo::key).sorted().toList());
                }
            }
            // The certificate names 127.0.0.1, not localhost: the host name is checked too.
            URI byName = URI.create("https://localhost:" + https.getPort());
            StorageException wrongName = assertThrows(StorageException.class, () -> put(byName, bucket, "other", content));
            assertTrue(wrongName.getMessage().contains("'other'") && wrongName.getMessage().contains("localhost"),
                    wrongName.getMessage());
            return null;
        });
        assertEquals(List.of("repo/new", "repo/seg"), server.objectKeys(bucket).stream().sorted().toList());
    }

    private static Void put(URI endpoint, String bucket, String key, byte[] content) throws Exception {
        try (S3BlobStore store = new S3BlobStore(S3ProxyServer.settings(endpoint, bucket, "repo"))) {
            store.put(key, BlobWriter.of(content));
        }
        return null;
    }

    /** Runs {@code body} with the JVM's trust store set to {@code trustStore} (null: the JDK's own). */
    private static void withTrust(Path trustStore, java.util.concurrent.Callable<Void> body) throws Exception {
        String[] keys = {"javax.net.ssl.trustStore", "javax.net.ssl.trustStorePassword", "javax.net.ssl.trustStoreType"};
        String[] before = new String[keys.length];
        for (int i = 0; i < keys.length; i++) {
            before[i] = System.getProperty(keys[i]);
        }
        if (trustStore != null) {
            System.setProperty(keys[0], trustStore.toString());
            System.setProperty(keys[1], PASSWORD);
            System.setProperty(keys[2], "PKCS12");
        }
        try {
            body.call();
        } finally {
            for (int i = 0; i < keys.length; i++) {
                if (before[i] == null) {
                    System.clearProperty(keys[i]);
                } else {
                    System.setProperty(keys[i], before[i]);
                }
            }
        }
    }
}
