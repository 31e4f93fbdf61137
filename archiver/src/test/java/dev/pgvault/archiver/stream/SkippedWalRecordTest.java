package dev.pgvault.archiver.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.TimelineHistory;
import dev.pgvault.storage.codec.CipherKey;
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

/** A hold for skipped WAL outlives its receiver: stored, read back by any receiver, removed once closed. */
class SkippedWalRecordTest {
    /** Timeline 1 ended at 0/5000100, timeline 2 at 0/9000000. */
    static final TimelineHistory TLI3 = TimelineHistory.parse(3,
            "1\t0/5000100\tno recovery target specified\n2\t0/9000000\tno recovery target specified\n"
                    .getBytes(StandardCharsets.UTF_8));
    static final RepositoryLayout LAYOUT = new RepositoryLayout("main");

    @TempDir
    Path dir;

    static String key(String receiver, SkippedWalRecord r) {
        return LAYOUT.receiverSkippedKey(receiver, r.timeline(), r.from());
    }

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
        CodecSpec encrypted = CodecSpec.DEFAULT.withKey(CipherKey.fromPassphrase("pass phrase".getBytes(StandardCharsets.UTF_8)));
        try (EncodedStore repo = new EncodedStore(new FsBlobStore(dir), encrypted);
                EncodedStore plain = new EncodedStore(new FsBlobStore(dir), CodecSpec.DEFAULT)) {
            SkippedWalRecord a = new SkippedWalRecord(1, Lsn.parse("0/2000200"), Lsn.parse("0/5000000"));
            SkippedWalRecord b = new SkippedWalRecord(2, Lsn.parse("0/9000000"), Lsn.parse("0/B000000"));
            a.store(repo, key("pgvault", a));
            b.store(repo, key("node/2", b));
            repo.put(LAYOUT.receiverSkippedKey("broken", 1, Lsn.parse("0/1")), out -> out.write("{\"timeline\": ".getBytes()));
            // an object this repository's key cannot open reads as a wrong key: said, not fatal
            plain.put(LAYOUT.receiverSkippedKey("foreign", 1, Lsn.parse("0/2")), out -> out.write(a.json()));
            List<String> said = new ArrayList<>();
            Map<String, SkippedWalRecord> all = SkippedWalRecord.readAll(repo, LAYOUT, said::add);
            assertEquals(Map.of(key("pgvault", a), a, key("node/2", b), b), all);
            assertTrue(key("node/2", b).endsWith("/receiver/node_2.00000002-0000000009000000.skipped"), key("node/2", b));
            assertEquals(2, said.size(), said.toString());
            assertTrue(said.get(0).contains(LAYOUT.receiverSkippedKey("broken", 1, Lsn.parse("0/1"))), said.get(0));
            assertTrue(said.get(1).contains(LAYOUT.receiverSkippedKey("foreign", 1, Lsn.parse("0/2"))), said.get(1));
        }
    }

    @Test
    void forgettingRemovesARecordOnlyWhileItIsAsItWasRead() throws Exception {
        try (EncodedStore repo = new EncodedStore(new FsBlobStore(dir), CodecSpec.DEFAULT)) {
            SkippedWalRecord a = new SkippedWalRecord(1, Lsn.parse("0/2000200"), Lsn.parse("0/5000000"));
            a.store(repo, key("pgvault", a));
            // the receiver skipped more from the same place meanwhile: its record now names a longer hole
            SkippedWalRecord longer = new SkippedWalRecord(1, Lsn.parse("0/2000200"), Lsn.parse("0/9000000"));
            longer.store(repo, key("pgvault", a));
            SkippedWalRecord.forget(repo, key("pgvault", a), a);
            assertEquals(Map.of(key("pgvault", a), longer), SkippedWalRecord.readAll(repo, LAYOUT, s -> {}));
            SkippedWalRecord.forget(repo, key("pgvault", a), longer);
            assertEquals(Map.of(), SkippedWalRecord.readAll(repo, LAYOUT, s -> {}));
            // and the status listing never mistakes a record for a receiver's status
            longer.store(repo, key("pgvault", a));
            assertEquals(List.of(), ReceiverStatus.readAll(repo, LAYOUT));
        }
    }
}
