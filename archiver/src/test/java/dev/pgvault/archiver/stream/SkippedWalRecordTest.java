package dev.pgvault.archiver.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.TimelineHistory;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.fs.FsBlobStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A hold for skipped WAL outlives its receiver: stored, read back by any receiver, removed once passed. */
class SkippedWalRecordTest {
    /** Timeline 1 ended at 0/5000100, timeline 2 at 0/9000000. */
    private static final TimelineHistory TLI3 = TimelineHistory.parse(3,
            "1\t0/5000100\tno recovery target specified\n2\t0/9000000\tno recovery target specified\n"
                    .getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path dir;

    @Test
    void aHoleCountsOnAHistoryThatPassesThroughIt() {
        assertTrue(new SkippedWalRecord(3, Lsn.parse("0/A000000"), Lsn.parse("0/C000000")).onHistory(TLI3));
        assertTrue(new SkippedWalRecord(1, Lsn.parse("0/2000000"), Lsn.parse("0/4000000")).onHistory(TLI3));
        assertTrue(new SkippedWalRecord(1, Lsn.parse("0/50000FF"), Lsn.parse("0/7000000")).onHistory(TLI3));
        // the old primary's WAL after its timeline ended: a branch this history does not follow
        assertFalse(new SkippedWalRecord(1, Lsn.parse("0/5000100"), Lsn.parse("0/7000000")).onHistory(TLI3));
        assertFalse(new SkippedWalRecord(4, Lsn.parse("0/A000000"), Lsn.parse("0/C000000")).onHistory(TLI3));
        assertFalse(new SkippedWalRecord(2, Lsn.parse("0/2000000"), Lsn.parse("0/3000000"))
                .onHistory(TimelineHistory.root(1)));
    }

    @Test
    void recordsOfEveryReceiverComeBackAndADamagedOneIsSaidAndHoldsNothing() throws Exception {
        RepositoryLayout layout = new RepositoryLayout("main");
        try (EncodedStore repo = new EncodedStore(new FsBlobStore(dir), CodecSpec.DEFAULT)) {
            SkippedWalRecord a = new SkippedWalRecord(1, Lsn.parse("0/2000200"), Lsn.parse("0/5000000"));
            SkippedWalRecord b = new SkippedWalRecord(2, Lsn.parse("0/9000000"), Lsn.parse("0/B000000"));
            a.store(repo, layout, "pgvault");
            b.store(repo, layout, "node/2");
            repo.put(layout.receiverSkippedKey("broken"), out -> out.write("{\"timeline\": ".getBytes()));
            List<String> said = new ArrayList<>();
            Map<String, SkippedWalRecord> all = SkippedWalRecord.readAll(repo, layout, said::add);
            assertEquals(Map.of(layout.receiverSkippedKey("pgvault"), a, layout.receiverSkippedKey("node/2"), b), all);
            assertTrue(layout.receiverSkippedKey("node/2").endsWith("/receiver/node_2.skipped"));
            assertEquals(1, said.size(), said.toString());
            assertTrue(said.get(0).contains(layout.receiverSkippedKey("broken")), said.get(0));
        }
    }

    @Test
    void forgettingRemovesOnlyRecordsStillAsTheyWereRead() throws Exception {
        RepositoryLayout layout = new RepositoryLayout("main");
        try (EncodedStore repo = new EncodedStore(new FsBlobStore(dir), CodecSpec.DEFAULT)) {
            SkippedWalRecord a = new SkippedWalRecord(1, Lsn.parse("0/2000200"), Lsn.parse("0/5000000"));
            SkippedWalRecord b = new SkippedWalRecord(1, Lsn.parse("0/6000000"), Lsn.parse("0/8000000"));
            a.store(repo, layout, "pgvault");
            b.store(repo, layout, "other");
            Map<String, SkippedWalRecord> read = SkippedWalRecord.readAll(repo, layout, s -> {});
            // the other receiver skipped more meanwhile: its record now names a longer hole
            SkippedWalRecord longer = new SkippedWalRecord(1, Lsn.parse("0/6000000"), Lsn.parse("0/9000000"));
            longer.store(repo, layout, "other");
            SkippedWalRecord.forget(repo, read);
            assertEquals(Map.of(layout.receiverSkippedKey("other"), longer), SkippedWalRecord.readAll(repo, layout, s -> {}));
            // and the status listing never mistakes a record for a receiver's status
            assertEquals(List.of(), ReceiverStatus.readAll(repo, layout));
        }
    }
}
