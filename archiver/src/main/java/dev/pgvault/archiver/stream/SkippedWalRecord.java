package dev.pgvault.archiver.stream;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.TimelineHistory;
import dev.pgvault.storage.BlobNotFoundException;
import dev.pgvault.storage.codec.CorruptObjectException;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.codec.WrongKeyException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A hold a receiver put on its flush reports for WAL it skipped ({@link SkippedWal}), stored in
 * the repository before it streams past the hole, so that a receiver started later (the same one
 * after a kill, or another node's after a failover) takes the hold up again instead of beginning
 * after the newest WAL in the repository as if nothing were missing below it.
 *
 * @param timeline the timeline that holds {@link #from}
 * @param from where the receiver's WAL ended: the hole's start
 * @param until where streaming resumed: the hole's end, a segment start
 */
record SkippedWalRecord(int timeline, Lsn from, Lsn until) {
    private static final JsonFactory JSON = new JsonFactory();

    /**
     * Whether the hole lies on {@code history}: its timeline is there, and the hole begins before
     * the history leaves that timeline. A hole on a branch the history does not follow (an old
     * primary's WAL after a failover) holds nothing back on it.
     */
    boolean onHistory(TimelineHistory history) {
        if (!history.contains(timeline)) {
            return false;
        }
        Lsn end = history.endOf(timeline);
        return end == null || from.compareTo(end) < 0;
    }

    byte[] json() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(buf, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeNumberField("timeline", timeline);
            g.writeStringField("from_lsn", from.toString());
            g.writeStringField("until_lsn", until.toString());
            g.writeEndObject();
        }
        return buf.toByteArray();
    }

    static SkippedWalRecord parse(byte[] json) throws IOException {
        Map<String, String> f = FlatJsonFields.read(json, "a record of skipped WAL");
        try {
            return new SkippedWalRecord(Integer.parseInt(f.get("timeline")), Lsn.parse(f.get("from_lsn")),
                    Lsn.parse(f.get("until_lsn")));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a record of skipped WAL: " + e.getMessage(), e);
        }
    }

    /** Stores this record under {@code key} ({@link RepositoryLayout#receiverSkippedKey}). */
    void store(EncodedStore repo, String key) throws IOException {
        byte[] bytes = json();
        repo.put(key, out -> out.write(bytes));
    }

    /**
     * Every receiver's record in the stanza, by key. One that cannot be read is said through
     * {@code unreadable} and left out: it names no hole that could be held for.
     */
    static Map<String, SkippedWalRecord> readAll(EncodedStore repo, RepositoryLayout layout, Consumer<String> unreadable)
            throws IOException {
        Map<String, SkippedWalRecord> out = new TreeMap<>();
        for (String key : ReceiverObjects.keys(repo, layout, RepositoryLayout.SKIPPED_SUFFIX)) {
            try {
                read(repo, key).ifPresent(r -> out.put(key, r));
            } catch (IllegalArgumentException | JsonProcessingException | CorruptObjectException | WrongKeyException e) {
                // a damaged header reads as a wrong key too; a wrong passphrase fails every store anyway
                unreadable.accept("record of skipped WAL " + key + " in " + repo.describe() + " cannot be read ("
                        + e.getMessage() + "): it holds nothing back");
            }
        }
        return out;
    }

    /**
     * Removes the record under {@code key} if it still says what {@code read} says: one rewritten
     * meanwhile (its receiver skipped more WAL from the same place) stays.
     */
    static void forget(EncodedStore repo, String key, SkippedWalRecord read) throws IOException {
        Optional<SkippedWalRecord> now;
        try {
            now = read(repo, key);
        } catch (IllegalArgumentException | JsonProcessingException | CorruptObjectException | WrongKeyException changed) {
            return; // not what was read: not this hold's to remove
        }
        if (now.isPresent() && now.get().equals(read)) {
            repo.blobs().delete(key);
        }
    }

    /** The record under {@code key}, or empty when there is none (removed since it was listed, say). */
    private static Optional<SkippedWalRecord> read(EncodedStore repo, String key) throws IOException {
        byte[] bytes;
        try (InputStream in = repo.get(key)) {
            bytes = in.readAllBytes();
        } catch (BlobNotFoundException e) {
            return Optional.empty();
        }
        return Optional.of(parse(bytes));
    }
}
