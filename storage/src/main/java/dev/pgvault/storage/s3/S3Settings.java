package dev.pgvault.storage.s3;

import dev.pgvault.storage.BlobKeys;
import java.net.URI;
import java.util.Objects;

/**
 * Where and how an {@link S3BlobStore} reaches its bucket.
 *
 * @param endpoint custom endpoint (MinIO, S3Proxy, ...), or null for AWS's own
 * @param region the signing region, or null for the SDK's default region chain
 * @param bucket the bucket, which must exist
 * @param prefix keys are stored under {@code prefix + "/" + key}; empty for the bucket's root
 * @param pathStyle path-style addressing ({@code endpoint/bucket/key}), needed by most
 *     S3-compatible servers
 * @param accessKey static credentials, or null (with {@code secretKey}) for the SDK's default
 *     credentials chain
 * @param secretKey never printed by {@link #toString()}
 * @param partSize multipart part size in bytes, at least 5 MiB; objects up to this size are
 *     sent with one PutObject
 * @param maxAttempts attempts per request, first try included (the SDK's standard retry mode)
 * @param conditionalWrites send {@code If-None-Match: *} so that {@code create} is atomic;
 *     turn off for servers that do not support it
 */
public record S3Settings(
        URI endpoint,
        String region,
        String bucket,
        String prefix,
        boolean pathStyle,
        String accessKey,
        String secretKey,
        int partSize,
        int maxAttempts,
        boolean conditionalWrites) {

    public static final int MIN_PART_SIZE = 5 * 1024 * 1024;
    public static final int DEFAULT_PART_SIZE = 8 * 1024 * 1024;
    public static final int DEFAULT_MAX_ATTEMPTS = 5;

    public S3Settings {
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("S3 bucket is empty");
        }
        prefix = prefix == null ? "" : prefix.replaceAll("/+$", "");
        if (!prefix.isEmpty()) {
            BlobKeys.check(prefix);
        }
        if ((accessKey == null) != (secretKey == null)) {
            throw new IllegalArgumentException("S3 access key and secret key must be given together");
        }
        if (partSize < MIN_PART_SIZE) {
            throw new IllegalArgumentException("S3 part size " + partSize + " is below the minimum " + MIN_PART_SIZE);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("S3 max attempts must be at least 1, not " + maxAttempts);
        }
    }

    /** Defaults: virtual-host addressing, default credentials, 8 MiB parts, 5 attempts, conditional writes. */
    public S3Settings(URI endpoint, String region, String bucket, String prefix) {
        this(endpoint, region, bucket, prefix, false, null, null, DEFAULT_PART_SIZE, DEFAULT_MAX_ATTEMPTS, true);
    }

    public S3Settings withPathStyle(boolean pathStyle) {
        return new S3Settings(endpoint, region, bucket, prefix, pathStyle, accessKey, secretKey, partSize, maxAttempts,
                conditionalWrites);
    }

    public S3Settings withCredentials(String accessKey, String secretKey) {
        return new S3Settings(endpoint, region, bucket, prefix, pathStyle, accessKey, secretKey, partSize, maxAttempts,
                conditionalWrites);
    }

    public S3Settings withPartSize(int partSize) {
        return new S3Settings(endpoint, region, bucket, prefix, pathStyle, accessKey, secretKey, partSize, maxAttempts,
                conditionalWrites);
    }

    public S3Settings withMaxAttempts(int maxAttempts) {
        return new S3Settings(endpoint, region, bucket, prefix, pathStyle, accessKey, secretKey, partSize, maxAttempts,
                conditionalWrites);
    }

    public S3Settings withConditionalWrites(boolean conditionalWrites) {
        return new S3Settings(endpoint, region, bucket, prefix, pathStyle, accessKey, secretKey, partSize, maxAttempts,
                conditionalWrites);
    }

    /** "s3://bucket/prefix", the name used in messages. */
    public String location() {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    }

    @Override
    public String toString() {
        return "S3Settings[endpoint=" + Objects.toString(endpoint, "AWS") + ", region=" + region + ", bucket=" + bucket
                + ", prefix=" + prefix + ", pathStyle=" + pathStyle + ", accessKey=" + accessKey
                + ", secretKey=" + (secretKey == null ? "null" : "****") + ", partSize=" + partSize
                + ", maxAttempts=" + maxAttempts + ", conditionalWrites=" + conditionalWrites + "]";
    }
}
