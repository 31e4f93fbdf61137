package dev.pgvault.storage.s3;

import dev.pgvault.storage.BlobStore;
import dev.pgvault.storage.BlobStoreContract;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** The contract against a real MinIO server in Docker; skipped where no Docker engine runs. */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(300)
class S3BlobStoreMinioTest extends BlobStoreContract {

    @Container
    static final MinIOContainer MINIO = new MinIOContainer("minio/minio:RELEASE.2025-09-07T16-13-09Z");

    private static final AtomicInteger buckets = new AtomicInteger();

    @Override
    protected BlobStore newStore() {
        URI endpoint = URI.create(MINIO.getS3URL());
        String bucket = "pgvault-" + buckets.incrementAndGet();
        try (S3Client admin = S3Client.builder()
                .httpClientBuilder(ApacheHttpClient.builder())
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(MINIO.getUserName(), MINIO.getPassword())))
                .build()) {
            admin.createBucket(b -> b.bucket(bucket));
        }
        return new S3BlobStore(new S3Settings(endpoint, "us-east-1", bucket, "")
                .withPathStyle(true)
                .withCredentials(MINIO.getUserName(), MINIO.getPassword())
                .withPartSize(S3Settings.MIN_PART_SIZE));
    }
}
