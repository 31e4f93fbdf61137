package dev.pgvault.archiver;

import dev.pgvault.archiver.wal.TimelineHistory;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.storage.StorageException;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/** A timeline's history file as stored in the repository, read as expire and verify need it. */
public final class HistoryFiles {
    private HistoryFiles() {}

    /** The name of timeline {@code tli}'s history file, such as {@code 00000002.history}. */
    public static String name(int tli) {
        return String.format("%08X.history", tli);
    }

    /**
     * The archived history file {@code name}; empty when it is missing, damaged or does not parse
     * (its timeline's ancestry is then unknown, and its own check says why). A repository that
     * cannot be reached throws: that is no answer about the file.
     */
    public static Optional<TimelineHistory> read(EncodedStore repo, RepositoryLayout layout, WalFileName name) throws IOException {
        try (InputStream in = repo.get(layout.walKey(name))) {
            return Optional.of(TimelineHistory.parse(name.timeline(), in.readAllBytes()));
        } catch (StorageException e) {
            throw e;
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
