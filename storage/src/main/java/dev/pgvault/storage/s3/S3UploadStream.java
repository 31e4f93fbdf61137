package dev.pgvault.storage.s3;

import dev.pgvault.storage.StorageException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * The stream a {@link dev.pgvault.storage.BlobWriter} writes into. Bytes collect in one buffer of
 * up to the part size: if the writer finishes within it, {@link #finish()} sends one PutObject;
 * else each full buffer becomes a part of a multipart upload, completed by {@link #finish()}.
 * {@link #abort()} drops the upload. Nothing is visible under the key before a successful finish.
 */
final class S3UploadStream extends OutputStream {
    private static final Logger log = LoggerFactory.getLogger(S3UploadStream.class);
    private static final int MAX_PARTS = 10_000;

    private final S3BlobStore store;
    private final S3Client s3;
    private final String op;
    private final String key;
    private final String bucket;
    private final String objectKey;
    private final String ifNoneMatch;
    private final int partSize;
    private final List<CompletedPart> parts = new ArrayList<>();
    private byte[] buffer = new byte[64 * 1024];
    private int count;
    private String uploadId;
    private IOException failure;
    private boolean finished;

    /** {@code ifNoneMatch}: write only if no object exists under the key (If-None-Match: *). */
    S3UploadStream(S3BlobStore store, String op, String key, boolean ifNoneMatch) {
        this.store = store;
        this.s3 = store.client();
        this.op = op;
        this.key = key;
        this.bucket = store.settings().bucket();
        this.objectKey = store.objectKey(key);
        this.ifNoneMatch = ifNoneMatch ? "*" : null;
        this.partSize = store.settings().partSize();
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        checkOpen();
        while (len > 0) {
            if (count == partSize) {
                uploadPart(); // only once more bytes come: an object of exactly one part stays a PutObject
            }
            int n = Math.min(len, partSize - count);
            if (count + n > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.min(partSize, Math.max(count + n, 2 * buffer.length)));
            }
            System.arraycopy(b, off, buffer, count, n);
            count += n;
            off += n;
            len -= n;
        }
    }

    /** The writer does not own the stream: closing it is a no-op, {@link #finish()} ends it. */
    @Override
    public void close() {}

    /**
     * Makes the object visible. Returns false, with nothing written, when {@code ifNoneMatch} was
     * asked and an object already exists (HTTP 412).
     */
    boolean finish() throws IOException {
        checkOpen();
        try {
            if (uploadId == null) {
                s3.putObject(b -> b.bucket(bucket).key(objectKey).ifNoneMatch(ifNoneMatch), body());
            } else {
                uploadPart();
                s3.completeMultipartUpload(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId)
                        .ifNoneMatch(ifNoneMatch).multipartUpload(m -> m.parts(parts)));
                uploadId = null; // completed: nothing left to abort
            }
            finished = true;
            buffer = null;
            return true;
        } catch (SdkException e) {
            if (ifNoneMatch != null && S3BlobStore.status(e) == 412) {
                abort();
                return false;
            }
            throw fail(e);
        }
    }

    /** Drops a started multipart upload, best effort; the stream is unusable afterwards. */
    void abort() {
        finished = true;
        buffer = null;
        if (uploadId != null) {
            String id = uploadId;
            uploadId = null;
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(objectKey).uploadId(id));
            } catch (SdkException e) {
                log.warn("could not abort multipart upload {} of '{}' in {}: {}", id, key, store.describe(),
                        store.failure("abort", key, e).getMessage());
            }
        }
    }

    private void uploadPart() throws IOException {
        try {
            if (uploadId == null) {
                uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(objectKey)
                        .checksumAlgorithm(ChecksumAlgorithm.CRC32)).uploadId();
            }
            if (parts.size() == MAX_PARTS) {
                throw fail(new StorageException("s3 " + op + " of '" + key + "' in " + store.describe()
                        + " failed: more than " + MAX_PARTS + " parts of " + partSize + " bytes"));
            }
            int number = parts.size() + 1;
            UploadPartResponse r = s3.uploadPart(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId)
                    .partNumber(number).checksumAlgorithm(ChecksumAlgorithm.CRC32), body());
            if (r.eTag() == null || r.eTag().isBlank()) { // e.g. a response head cut short, taken as whole
                throw fail(new StorageException("s3 " + op + " of '" + key + "' in " + store.describe()
                        + " failed: no ETag in the response to part " + number));
            }
            parts.add(CompletedPart.builder().partNumber(number).eTag(r.eTag()).checksumCRC32(r.checksumCRC32()).build());
            count = 0;
        } catch (SdkException e) {
            throw fail(e);
        }
    }

    /** The buffered bytes, copied once so the SDK can resend them on a retry. */
    private RequestBody body() {
        return RequestBody.fromRemainingByteBuffer(ByteBuffer.wrap(buffer, 0, count));
    }

    private IOException fail(SdkException e) {
        return fail(store.failure(op, key, e));
    }

    private IOException fail(IOException e) {
        if (failure == null) {
            failure = e;
        }
        return e;
    }

    /** A writer that swallowed an upload failure still gets it, at its next write or at finish. */
    private void checkOpen() throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (finished) {
            throw new IOException("upload of '" + key + "' already ended");
        }
    }
}
