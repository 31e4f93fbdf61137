package dev.pgvault.storage;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A flat store of immutable blobs under string keys: the one interface every repository driver
 * implements.
 *
 * <p>Keys are relative paths with {@code /} separators (see {@link BlobKeys#check}). A blob is
 * either wholly visible or not visible at all: no reader ever sees a partly written object, and a
 * write that fails leaves nothing behind under its key.
 *
 * <p>Every method throws {@link StorageException} (an {@link IOException}) for failures of the
 * store itself, after the driver's own retry policy is exhausted.
 */
public interface BlobStore extends AutoCloseable {

    /**
     * Writes a blob, replacing any blob under the same key. {@code content} is called once and
     * writes the bytes; the blob becomes visible only after it returns and the bytes are durable
     * (fsync on disk, a completed upload on S3). If {@code content} throws, or the store fails,
     * nothing new is visible under {@code key} and the previous blob, if any, is unchanged.
     */
    void put(String key, BlobWriter content) throws IOException;

    /**
     * Like {@link #put}, but only if no blob exists under {@code key}: returns {@code false} and
     * changes nothing when one does. Atomic where {@link #atomicCreate()} is true: of two racing
     * creators exactly one wins. Where false, the check and the write are two steps.
     */
    boolean create(String key, BlobWriter content) throws IOException;

    /** Opens a blob for reading from its first byte. Missing: {@link BlobNotFoundException}. */
    default InputStream get(String key) throws IOException {
        return get(key, 0);
    }

    /**
     * Opens a blob for reading from byte {@code offset} (0 &lt;= offset &lt;= size). Missing:
     * {@link BlobNotFoundException}. The caller closes the stream.
     */
    InputStream get(String key, long offset) throws IOException;

    /** The blob's size and modification time, or empty when there is no blob under the key. */
    Optional<BlobInfo> stat(String key) throws IOException;

    /**
     * Every blob whose key starts with {@code prefix} (a plain string prefix, as in S3: "wal/0001"
     * matches "wal/00010002"), fetched lazily page by page as the stream is consumed, in no
     * promised order. A prefix that matches nothing gives an empty stream, not an error. The
     * caller closes the stream. Failures while consuming surface as {@link
     * java.io.UncheckedIOException} wrapping a {@link StorageException}.
     */
    Stream<BlobInfo> list(String prefix) throws IOException;

    /** Removes a blob. Removing a key that does not exist succeeds: delete is idempotent. */
    void delete(String key) throws IOException;

    /**
     * Removes every blob in {@code keys}, as {@link #delete} would one by one, but in as few
     * requests as the store allows (S3: a thousand keys a request). Missing keys succeed. On a
     * failure some keys may be gone and others not; each is either wholly there or wholly gone.
     */
    default void deleteAll(java.util.Collection<String> keys) throws IOException {
        for (String key : keys) {
            delete(key);
        }
    }

    /** Whether {@link #create} is a single atomic compare-and-create on this store. */
    boolean atomicCreate();

    /**
     * How many small blobs a caller that reads many of them (every backup's manifest) should read
     * at once: 1 where a read costs only CPU (on a local disk, more threads than a short-lived
     * command's cores slowed it down), more where each read waits a network round trip.
     */
    default int readsAtOnce() {
        return 1;
    }

    /** A short description for messages, without secrets: "fs:/var/lib/pgvault", "s3://bucket/p". */
    String describe();

    @Override
    void close() throws IOException;
}
