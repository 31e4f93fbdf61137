import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

/**
 * Benchmark helper (not a test), for bench_s3 in bench/lib.sh (bench/many-backups.sh REPO=s3):
 * an S3Proxy server keeping objects in memory, on http and https (a self-signed key store, for
 * pgBackRest, which speaks only https to S3), where every request waits the milliseconds written
 * in a control file, read every 100 ms (0 while backups are taken, the round trip of a real S3
 * region while commands are timed).
 *
 * <p>Arguments: CONTROL_FILE KEY_STORE PORTS_FILE; the key store's password and the S3 keys come
 * from the environment (S3_KEYSTORE_PASS, S3_ACCESS_KEY, S3_SECRET_KEY), never the command line.
 * Writes "HTTP_PORT HTTPS_PORT" to PORTS_FILE once listening, then runs until killed.
 */
public final class S3ProxyBench {
    public static void main(String[] args) throws Exception {
        dev.pgvault.storage.s3.S3ProxyServer.quietLogging(); // S3Proxy's logback logs every request otherwise
        Path control = Path.of(args[0]);
        Map<String, Long> latency = new ConcurrentHashMap<>(Map.of("*", 0L));
        BlobStore memory = BlobStores.create("transient", new Properties());
        memory.createContainer("bench");
        // S3Proxy's own latency middleware, built as its configuration would build it: it reads
        // the map on every request, so the control file can change the delay while it runs.
        var factory = Class.forName("org.gaul.s3proxy.middleware.LatencyBlobStore")
                .getDeclaredMethod("newLatencyBlobStore", BlobStore.class, Map.class, Map.class);
        factory.setAccessible(true);
        BlobStore delayed = (BlobStore) factory.invoke(null, memory, latency, Map.of());
        S3Proxy proxy = S3Proxy.builder().blobStore(delayed)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .secureEndpoint(URI.create("https://127.0.0.1:0"))
                .keyStore(args[1], System.getenv("S3_KEYSTORE_PASS"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, System.getenv("S3_ACCESS_KEY"),
                        System.getenv("S3_SECRET_KEY"))
                .ignoreUnknownHeaders(true).build();
        proxy.start();
        while (!"STARTED".equals(proxy.getState())) {
            Thread.sleep(10);
        }
        Path ports = Path.of(args[2]);
        Path written = Files.writeString(ports.resolveSibling(ports.getFileName() + ".tmp"),
                proxy.getPort() + " " + proxy.getSecurePort() + "\n");
        Files.move(written, ports, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        while (true) {
            if (Files.exists(control)) {
                String text = Files.readString(control).trim();
                if (!text.isEmpty()) {
                    latency.put("*", Long.parseLong(text));
                }
            }
            Thread.sleep(100);
        }
    }
}
