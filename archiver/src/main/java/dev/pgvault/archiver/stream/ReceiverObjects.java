package dev.pgvault.archiver.stream;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.storage.BlobInfo;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.stream.Stream;

/** The receivers' objects in a stanza (statuses, records of skipped WAL), listed by the end of their keys. */
final class ReceiverObjects {
    private ReceiverObjects() {}

    /** Keys under the stanza's receiver prefix that end with {@code suffix}, sorted. */
    static List<String> keys(EncodedStore repo, RepositoryLayout layout, String suffix) throws IOException {
        try (Stream<BlobInfo> s = repo.blobs().list(layout.receiverPrefix())) {
            return s.map(BlobInfo::key).filter(k -> k.endsWith(suffix)).sorted().toList();
        } catch (UncheckedIOException e) {
            throw e.getCause(); // a listing that fails part-way
        }
    }
}
