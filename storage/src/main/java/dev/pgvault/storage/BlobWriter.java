package dev.pgvault.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Writes a blob's bytes into the stream a store provides. The store owns the stream: a writer
 * must not close it. Throwing aborts the write and leaves nothing visible.
 */
@FunctionalInterface
public interface BlobWriter {

    void writeTo(OutputStream out) throws IOException;

    /** A writer that copies {@code in} to the end. The caller still owns and closes {@code in}. */
    static BlobWriter of(InputStream in) {
        return out -> in.transferTo(out);
    }

    static BlobWriter of(byte[] bytes) {
        return out -> out.write(bytes);
    }
}
