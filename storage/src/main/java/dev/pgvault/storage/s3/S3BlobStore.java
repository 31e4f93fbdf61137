package dev.pgvault.storage.s3;

import dev.pgvault.storage.BlobInfo;
import dev.pgvault.storage.BlobKeys;
import dev.pgvault.storage.BlobNotFoundException;
import dev.pgvault.storage.BlobStore;
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.StandardRetryStrategy;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A {@link BlobStore} on an S3 bucket (AWS or compatible) through the AWS SDK v2. Retries are the
 * SDK's standard retry mode with {@link S3Settings#maxAttempts()} attempts; nothing retries on
 * top of it. Writes stream through {@link S3UploadStream}: one PutObject up to the part size,
 * multipart above it.
 */
public final class S3BlobStore implements BlobStore {

    /** The most keys one DeleteObjects request takes. */
    static final int DELETE_BATCH = 1000;

    private final S3Settings settings;
    private final S3Client s3;
    private final String root;
    private final String description;

    public S3BlobStore(S3Settings settings) {
        this(settings, null);
    }

    /** {@code retryBaseDelay}: base of the SDK's exponential backoff, or null for its defaults. */
    S3BlobStore(S3Settings settings, Duration retryBaseDelay) {
        this.settings = settings;
        this.root = settings.prefix().isEmpty() ? "" : settings.prefix() + "/";
        this.description = settings.location() + (settings.endpoint() == null ? ""
                : " on " + settings.endpoint().getHost()
                        + (settings.endpoint().getPort() < 0 ? "" : ":" + settings.endpoint().getPort()));
        this.s3 = client(settings, retryBaseDelay);
    }

    private static S3Client client(S3Settings settings, Duration retryBaseDelay) {
        // The SDK does not retry a response body cut short while it parses it ("Could not parse
        // XML response" over a ConnectionClosedException, or over an XMLStreamException that
        // hides it): retry any transport IOException among the causes.
        StandardRetryStrategy.Builder retry = AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(settings.maxAttempts())
                .retryOnException(TransportFault::in);
        if (retryBaseDelay != null) {
            BackoffStrategy backoff = BackoffStrategy.exponentialDelay(retryBaseDelay, retryBaseDelay.multipliedBy(20));
            retry.backoffStrategy(backoff).throttlingBackoffStrategy(backoff);
        }
        AwsCredentialsProvider credentials = settings.accessKey() == null
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKey(), settings.secretKey()));
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(ApacheHttpClient.builder()
                        .socketFactory(new LazyTlsSocketFactory())
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60)))
                .overrideConfiguration(o -> o.retryStrategy(retry.build()))
                .credentialsProvider(credentials)
                .forcePathStyle(settings.pathStyle());
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        if (settings.region() != null) {
            builder.region(Region.of(settings.region()));
        }
        return builder.build();
    }

    @Override
    public void put(String key, BlobWriter content) throws IOException {
        write("put", key, content, false);
    }

    @Override
    public boolean create(String key, BlobWriter content) throws IOException {
        BlobKeys.check(key);
        if (!settings.conditionalWrites()) {
            if (stat(key).isPresent()) {
                return false;
            }
            return write("create", key, content, false);
        }
        try {
            return write("create", key, content, true);
        } catch (StorageException e) {
            // 409 ConditionalRequestConflict: another create of this key is completing right now.
            if (e.getCause() instanceof SdkServiceException s && s.statusCode() == 409 && stat(key).isPresent()) {
                return false;
            }
            throw e;
        }
    }

    private boolean write(String op, String key, BlobWriter content, boolean ifNoneMatch) throws IOException {
        BlobKeys.check(key);
        S3UploadStream out = new S3UploadStream(this, op, key, ifNoneMatch);
        try {
            content.writeTo(out);
            return out.finish();
        } catch (IOException | RuntimeException | Error e) {
            out.abort();
            throw e;
        }
    }

    @Override
    public InputStream get(String key, long offset) throws IOException {
        BlobKeys.check(key);
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset + " for '" + key + "'");
        }
        GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(settings.bucket()).key(objectKey(key));
        if (offset > 0) {
            request.range("bytes=" + offset + "-");
        }
        try {
            return new ReadStream(s3.getObject(request.build()), key, offset);
        } catch (SdkException e) {
            if (isNotFound(e)) {
                throw new BlobNotFoundException(describe(), key);
            }
            if (status(e) == 416) { // S3 refuses the empty range at offset == size
                long size = stat(key).orElseThrow(() -> new BlobNotFoundException(describe(), key)).size();
                if (offset == size) {
                    return InputStream.nullInputStream();
                }
                throw new StorageException(failedHeader("get", key) + "offset " + offset + " is beyond the size " + size, e);
            }
            throw failure("get", key, e);
        }
    }

    @Override
    public Optional<BlobInfo> stat(String key) throws IOException {
        BlobKeys.check(key);
        try {
            HeadObjectResponse r = s3.headObject(b -> b.bucket(settings.bucket()).key(objectKey(key)));
            return Optional.of(new BlobInfo(key, r.contentLength(), r.lastModified()));
        } catch (SdkException e) {
            if (isNotFound(e)) {
                return Optional.empty();
            }
            throw failure("stat", key, e);
        }
    }

    @Override
    public Stream<BlobInfo> list(String prefix) throws IOException {
        BlobKeys.checkPrefix(prefix);
        Iterator<BlobInfo> pages = new Iterator<>() {
            private Iterator<S3Object> objects; // created on first use: nothing is fetched before

            @Override
            public boolean hasNext() {
                try {
                    if (objects == null) {
                        objects = s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(root + prefix))
                                .contents().iterator();
                    }
                    return objects.hasNext();
                } catch (SdkException e) {
                    throw new UncheckedIOException(failure("list", prefix, e));
                }
            }

            @Override
            public BlobInfo next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                S3Object o = objects.next();
                return new BlobInfo(o.key().substring(root.length()), o.size(), o.lastModified());
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(pages, Spliterator.NONNULL), false);
    }

    @Override
    public void delete(String key) throws IOException {
        BlobKeys.check(key);
        try {
            s3.deleteObject(b -> b.bucket(settings.bucket()).key(objectKey(key)));
        } catch (SdkException e) {
            if (!isNotFound(e)) {
                throw failure("delete", key, e);
            }
        }
    }

    /** DeleteObjects, a thousand keys a request (S3's limit); keys already gone count as deleted. */
    @Override
    public void deleteAll(Collection<String> keys) throws IOException {
        List<String> all = new ArrayList<>(keys);
        for (String key : all) {
            BlobKeys.check(key);
        }
        for (int from = 0; from < all.size(); from += DELETE_BATCH) {
            List<ObjectIdentifier> batch = all.subList(from, Math.min(all.size(), from + DELETE_BATCH)).stream()
                    .map(k -> ObjectIdentifier.builder().key(objectKey(k)).build()).toList();
            DeleteObjectsResponse r;
            try {
                r = s3.deleteObjects(b -> b.bucket(settings.bucket()).delete(d -> d.objects(batch).quiet(true)));
            } catch (SdkException e) {
                throw failure("delete", all.get(from), e); // names the batch's first key

            }
            List<S3Error> failed = r.errors().stream().filter(e -> !"NoSuchKey".equals(e.code())).toList();
            if (!failed.isEmpty()) {
                S3Error first = failed.get(0);
                throw new StorageException(redact(failedHeader("delete", first.key().substring(root.length()))
                        + first.code() + ": " + first.message() + (failed.size() > 1 ? " (and " + (failed.size() - 1)
                                + " more keys of the batch)" : "")));
            }
        }
    }

    @Override
    public boolean atomicCreate() {
        return settings.conditionalWrites();
    }

    /** Each read waits a round trip (tens of milliseconds in a region): eight overlap them. */
    @Override
    public int readsAtOnce() {
        return 8;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        s3.close();
    }

    S3Client client() {
        return s3;
    }

    S3Settings settings() {
        return settings;
    }

    String objectKey(String key) {
        return root + key;
    }

    /** One line naming the operation, key, store and cause; never the secret key. */
    StorageException failure(String op, String key, SdkException e) {
        String reason;
        if (e instanceof AwsServiceException a && a.awsErrorDetails() != null) {
            AwsErrorDetails d = a.awsErrorDetails();
            reason = a.statusCode() + (d.errorCode() == null ? "" : " " + d.errorCode())
                    + (d.errorMessage() == null || d.errorMessage().equals(d.errorCode()) ? "" : ": " + d.errorMessage());
        } else {
            Throwable root = TransportFault.root(e);
            String raw = e.rawMessage() != null ? e.rawMessage() : e.getMessage();
            String rootMessage = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
            reason = root == e || raw.contains(rootMessage) ? raw : raw + " (" + rootMessage + ")";
        }
        Integer attempts = e.numAttempts();
        if (attempts != null) {
            reason += " after " + attempts + (attempts == 1 ? " attempt" : " attempts");
        }
        return new StorageException(redact(failedHeader(op, key) + reason), e);
    }

    private String failedHeader(String op, String key) {
        return "s3 " + op + " of '" + key + "' in " + describe() + " failed: ";
    }

    private String redact(String message) {
        String line = message.replaceAll("\\s+", " ");
        if (settings.secretKey() != null && !settings.secretKey().isEmpty()) {
            line = line.replace(settings.secretKey(), "****");
        }
        return line.length() > 600 ? line.substring(0, 600) + "..." : line;
    }

    static int status(SdkException e) {
        return e instanceof SdkServiceException s ? s.statusCode() : 0;
    }

    /** A 404 about the object; a missing bucket is a configuration error, not a missing blob. */
    private static boolean isNotFound(SdkException e) {
        return status(e) == 404 && !(e instanceof AwsServiceException a && a.awsErrorDetails() != null
                && "NoSuchBucket".equals(a.awsErrorDetails().errorCode()));
    }

    /**
     * The object's bytes. The SDK retries a request that fails, not a body that breaks while the
     * caller reads it, so a read that fails mid-body asks again for the rest, from the byte
     * reached, and only while the object is the one first opened (If-Match its ETag): up to
     * maxAttempts requests in all, with the same backoff doubling from 100 ms. A read that still
     * fails names the key and the byte, never a Java class. Closing early drops the connection.
     */
    private final class ReadStream extends InputStream {
        private final String key;
        private final String etag;
        private ResponseInputStream<GetObjectResponse> in;
        private long position;
        private int attempts = 1;
        private boolean eof;

        ReadStream(ResponseInputStream<GetObjectResponse> in, String key, long offset) {
            this.in = in;
            this.key = key;
            this.position = offset;
            this.etag = in.response().eTag();
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (true) {
                try {
                    int n = in.read(b, off, len);
                    if (n < 0) {
                        eof = true;
                    } else {
                        position += n;
                    }
                    return n;
                } catch (IOException | SdkException e) {
                    if (attempts >= settings.maxAttempts() || etag == null) {
                        throw new StorageException(redact(failedHeader("get", key) + "reading at byte " + position
                                + " after " + attempts + (attempts == 1 ? " attempt: " : " attempts: ") + reason(e)), e);
                    }
                    resume(e);
                }
            }
        }

        private void resume(Exception cause) throws IOException {
            in.abort();
            try {
                Thread.sleep(Math.min(2000, 100L << (attempts - 1)));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("s3 get of '" + key + "' interrupted while resuming");
            }
            attempts++;
            try {
                in = s3.getObject(GetObjectRequest.builder().bucket(settings.bucket()).key(objectKey(key))
                        .range("bytes=" + position + "-").ifMatch(etag).build());
            } catch (SdkException e) {
                if (status(e) == 412) {
                    StorageException changed = new StorageException(failedHeader("get", key) + "the object was replaced"
                            + " while it was read (at byte " + position + ")", e);
                    changed.addSuppressed(cause);
                    throw changed;
                }
                StorageException failed = failure("get", key, e);
                failed.addSuppressed(cause);
                throw failed;
            }
        }

        @Override
        public int available() throws IOException {
            return eof ? 0 : in.available();
        }

        @Override
        public void close() throws IOException {
            if (!eof) {
                in.abort(); // else closing would read the rest of a possibly huge object
            }
            in.close();
        }
    }

    /** What went wrong, for a person: the deepest cause's message, without class names. */
    private static String reason(Throwable e) {
        Throwable root = TransportFault.root(e);
        String m = root.getMessage();
        return m == null || m.isBlank() ? "the connection failed" : m;
    }
}
