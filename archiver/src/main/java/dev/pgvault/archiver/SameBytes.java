package dev.pgvault.archiver;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Compares files a chunk at a time, so that neither is ever held whole (a WAL segment may be 1 GiB). */
final class SameBytes {
    private static final int CHUNK = 1 << 20;

    private SameBytes() {}

    /**
     * Whether the file {@code local} begins with the first {@code length} bytes of {@code file}:
     * the same WAL, up to their end at least. False when {@code local} is null, not a regular file,
     * or shorter.
     */
    static boolean begins(Path local, Path file, long length) throws IOException {
        if (local == null || !Files.isRegularFile(local) || Files.size(local) < length) {
            return false;
        }
        byte[] a = new byte[(int) Math.min(CHUNK, Math.max(1, length))];
        byte[] b = new byte[a.length];
        try (InputStream in = Files.newInputStream(local); InputStream other = Files.newInputStream(file)) {
            for (long left = length; left > 0; ) {
                int n = (int) Math.min(a.length, left);
                if (in.readNBytes(a, 0, n) < n || other.readNBytes(b, 0, n) < n
                        || !Arrays.equals(a, 0, n, b, 0, n)) {
                    return false;
                }
                left -= n;
            }
        }
        return true;
    }
}
