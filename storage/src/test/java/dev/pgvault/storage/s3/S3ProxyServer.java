package dev.pgvault.storage.s3;

import java.net.URI;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * S3Proxy in this JVM on a free loopback port, keeping blobs in memory. Public for the end-to-end
 * tests in it/, which reach it from other processes (pgvault run by PostgreSQL).
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "pgvault-test";
    public static final String SECRET_KEY = "pgvault-test-secret-Zq8uV2";
    static final String REGION = "us-east-1";

    private static final AtomicInteger buckets = new AtomicInteger();

    static {
        quietLogging();
    }

    private final BlobStore blobs;
    private final S3Proxy proxy;

    private S3ProxyServer(BlobStore blobs, S3Proxy proxy) {
        this.blobs = blobs;
        this.proxy = proxy;
    }

    /**
     * S3Proxy brings logback, which logs everything at DEBUG without a configuration file (and
     * wins over slf4j-simple): Jetty's and the SDK's debug output would swamp the test log.
     */
    public static void quietLogging() {
        Object root = LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        try {
            Class<?> level = Class.forName("ch.qos.logback.classic.Level");
            root.getClass().getMethod("setLevel", level).invoke(root, level.getField("WARN").get(null));
        } catch (ReflectiveOperationException e) {
            // another SLF4J provider: its own configuration applies
        }
    }

    public static S3ProxyServer start() throws Exception {
        return start(null, null);
    }

    /**
     * With {@code keyStore} (a PKCS12 file holding the server's key and certificate) it answers
     * https on {@link #secureUri()} too.
     */
    static S3ProxyServer start(java.nio.file.Path keyStore, String password) throws Exception {
        BlobStore blobs = BlobStores.create("transient", new Properties());
        S3Proxy.Builder builder = S3Proxy.builder()
                .blobStore(blobs)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .ignoreUnknownHeaders(true);
        if (keyStore != null) {
            builder.secureEndpoint(URI.create("https://127.0.0.1:0")).keyStore(keyStore.toString(), password);
        }
        S3Proxy proxy = builder.build();
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                proxy.stop();
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
        return new S3ProxyServer(blobs, proxy);
    }

    public int port() {
        return proxy.getPort();
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /** The https endpoint of a server started with a key store. */
    URI secureUri() {
        return URI.create("https://127.0.0.1:" + proxy.getSecurePort());
    }

    /** A new, empty bucket. */
    public String createBucket() {
        String name = "pgvault-" + buckets.incrementAndGet();
        blobs.createContainer(name);
        return name;
    }

    /** Settings for a store on {@code bucket} reached through {@code endpoint}: 5 MiB parts. */
    static S3Settings settings(URI endpoint, String bucket, String prefix) {
        return new S3Settings(endpoint, REGION, bucket, prefix)
                .withPathStyle(true)
                .withCredentials(ACCESS_KEY, SECRET_KEY)
                .withPartSize(S3Settings.MIN_PART_SIZE);
    }

    public S3Settings settings(String bucket, String prefix) {
        return settings(uri(), bucket, prefix);
    }

    /** Every object key in the bucket, read directly from the server's store. */
    List<String> objectKeys(String bucket) {
        return blobs.list(ListObjectsV2Request.builder().bucket(bucket).build()).contents().stream()
                .map(S3Object::key).collect(Collectors.toList());
    }

    /** The keys of the multipart uploads still open in the bucket. */
    List<String> openUploads(String bucket) {
        return blobs.listMultipartUploads(bucket).stream()
                .map(software.amazon.awssdk.services.s3.model.MultipartUpload::key).collect(Collectors.toList());
    }

    @Override
    public void close() throws Exception {
        try {
            proxy.stop();
        } finally {
            blobs.close();
        }
    }
}
