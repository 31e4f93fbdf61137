package dev.pgvault.archiver.verify;

import dev.pgvault.storage.BlobInfo;
import dev.pgvault.storage.BlobNotFoundException;
import dev.pgvault.storage.codec.CorruptObjectException;
import dev.pgvault.storage.codec.DecodingStream;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.codec.WrongKeyException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Reads one archived WAL file to its end, which is where the decoder checks its SHA-256, length
 * and authentication. The WAL inside is not parsed: archive-push checked the segment header.
 */
final class WalFileCheck implements Callable<CheckResult> {
    private static final int BUFFER = 64 * 1024;

    private final EncodedStore repo;
    private final BlobInfo blob;
    private final String walName;

    WalFileCheck(EncodedStore repo, BlobInfo blob, String walName) {
        this.repo = repo;
        this.blob = blob;
        this.walName = walName;
    }

    @Override
    public CheckResult call() throws IOException {
        try (DecodingStream in = repo.get(blob.key())) {
            byte[] buf = new byte[BUFFER];
            while (in.read(buf, 0, buf.length) >= 0) {
                // read to the end: the checks run there
            }
        } catch (BlobNotFoundException e) {
            // Removed since the listing (expire running at the same time): nothing was read.
            return new CheckResult(0, 0, 0, List.of());
        } catch (CorruptObjectException | WrongKeyException e) {
            return new CheckResult(0, 1, blob.size(), List.of(Problem.wal(ProblemKind.CORRUPT_WAL, Severity.ERROR,
                    blob.key(), walName, "WAL file " + walName + " (" + blob.key() + ") is corrupt: " + e.getMessage())));
        }
        return new CheckResult(0, 1, blob.size(), List.of());
    }
}
