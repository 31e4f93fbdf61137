package dev.pgvault.archiver.stream;

import static dev.pgvault.archiver.stream.SkippedWalRecordTest.LAYOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.TimelineHistory;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.fs.FsBlobStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Gaps held apart, each recorded, taken up by the next receiver, and closed on its own. */
class SkippedWalHoldTest {
    private static final long SEG = 16L << 20;
    private static final TimelineHistory TLI1 = TimelineHistory.root(1);

    @TempDir
    Path dir;

    private final List<String> said = new ArrayList<>();
    private final Set<String> stored = new HashSet<>();
    private final SkippedWal.Stored repository = name -> stored.contains(name.name());

    private SkippedWalHold hold(EncodedStore repo, String name) {
        return new SkippedWalHold(repo, LAYOUT, name, SEG, said::add, said::add);
    }

    private static void storeSegments(Set<String> stored, int first, int last) {
        for (int n = first; n <= last; n++) {
            stored.add(String.format("0000000100000000%08X", n));
        }
    }

    @Test
    void eachGapHoldsUntilItsOwnSegmentsAreStoredAndItsRecordGoes() throws Exception {
        try (EncodedStore repo = new EncodedStore(new FsBlobStore(dir), CodecSpec.DEFAULT)) {
            SkippedWalHold hold = hold(repo, "pgvault");
            assertTrue(hold.skip(Lsn.parse("0/2000200"), Lsn.parse("0/5000000"), TLI1));
            assertTrue(hold.skip(Lsn.parse("0/7000000"), Lsn.parse("0/9000000"), TLI1));
            assertFalse(hold.skip(Lsn.parse("0/9000100"), Lsn.parse("0/9000000"), TLI1), "the same segment: no gap");
            assertEquals(Lsn.parse("0/2000200"), hold.reportable(Lsn.parse("0/A000000")));
            assertEquals(Lsn.parse("0/1000000"), hold.reportable(Lsn.parse("0/1000000")), "never past what is durable");
            assertEquals(2, SkippedWalRecord.readAll(repo, LAYOUT, said::add).size());

            storeSegments(stored, 7, 8); // the later gap filled: the earlier still holds
            assertTrue(hold.look(repository));
            assertEquals(Lsn.parse("0/2000200"), hold.reportable(Lsn.parse("0/A000000")));
            assertEquals(List.of(LAYOUT.receiverSkippedKey("pgvault", 1, Lsn.parse("0/2000200"))),
                    List.copyOf(SkippedWalRecord.readAll(repo, LAYOUT, said::add).keySet()));

            storeSegments(stored, 2, 4);
            assertTrue(hold.look(repository));
            assertTrue(hold.isEmpty());
            assertEquals(Lsn.parse("0/A000000"), hold.reportable(Lsn.parse("0/A000000")));
            assertEquals(Map.of(), SkippedWalRecord.readAll(repo, LAYOUT, said::add));
        }
    }

    @Test
    void aReceiverStartedLaterTakesUpEveryGapOnItsHistoryWhoeverRecordedIt() throws Exception {
        try (EncodedStore repo = new EncodedStore(new FsBlobStore(dir), CodecSpec.DEFAULT)) {
            hold(repo, "node1").skip(Lsn.parse("0/2000200"), Lsn.parse("0/5000000"), TLI1);
            // node2 streamed timeline 2 of TLI3 (a promoted standby) when it skipped
            hold(repo, "node2").skip(Lsn.parse("0/6000000"), Lsn.parse("0/8000000"), SkippedWalRecordTest.TLI3);
            // the old primary's WAL after timeline 1 ended at 0/5000100 in TLI3's history: another branch
            new SkippedWalRecord(1, Lsn.parse("0/6000000"), Lsn.parse("0/7000000"))
                    .store(repo, LAYOUT.receiverSkippedKey("old", 1, Lsn.parse("0/6000000")));
            // a gap beginning past anything the server has flushed cannot be on its WAL
            new SkippedWalRecord(1, Lsn.parse("FF/1000000"), Lsn.parse("FF/3000000"))
                    .store(repo, LAYOUT.receiverSkippedKey("impossible", 1, Lsn.parse("FF/1000000")));
            // nor one ending where no receiver resumes streaming (not a segment start): damaged
            new SkippedWalRecord(1, Lsn.parse("0/1000000"), Lsn.parse("0/1800000"))
                    .store(repo, LAYOUT.receiverSkippedKey("damaged", 1, Lsn.parse("0/1000000")));

            SkippedWalHold restarted = hold(repo, "pgvault");
            restarted.takeUp(TimelineHistory.root(1), Lsn.parse("0/9000000"));
            assertEquals(Lsn.parse("0/2000200"), restarted.reportable(Lsn.parse("0/9000000")));
            assertTrue(said.stream().anyMatch(s -> s.contains("names a gap from FF/1000000 to FF/3000000, which cannot be on")),
                    said.toString());
            assertTrue(said.stream().anyMatch(s -> s.contains("names a gap from 0/1000000 to 0/1800000, which no receiver"
                    + " writes")), said.toString());

            SkippedWalHold onTli3 = hold(repo, "pgvault");
            onTli3.takeUp(SkippedWalRecordTest.TLI3, Lsn.parse("0/9000000"));
            assertEquals(Lsn.parse("0/2000200"), onTli3.reportable(Lsn.parse("0/9000000")));
            storeSegments(stored, 2, 4); // node1's gap: segments 2-4, all before timeline 1 ended at 0/5000100
            assertTrue(onTli3.look(repository));
            // node2's gap now holds; the old branch's (0/6000000 on timeline 1) is not this history's
            assertEquals(Lsn.parse("0/6000000"), onTli3.reportable(Lsn.parse("0/9000000")));
            storeSegments(stored, 6, 7); // timeline 1's names: not what recovery along timeline 3 reads there
            assertFalse(onTli3.look(repository));
            stored.addAll(List.of("000000020000000000000006", "000000020000000000000007"));
            assertTrue(onTli3.look(repository));
            assertTrue(onTli3.isEmpty());
        }
    }

    @Test
    void aGapTheReceiverNowStreamsItselfClosesAndItsRecordGoesButADemotionKeepsIt() throws Exception {
        try (EncodedStore repo = new EncodedStore(new FsBlobStore(dir), CodecSpec.DEFAULT)) {
            SkippedWalHold hold = hold(repo, "pgvault");
            hold.skip(Lsn.parse("0/2000200"), Lsn.parse("0/5000000"), TLI1);
            hold.drop();
            assertTrue(hold.isEmpty());
            assertEquals(1, SkippedWalRecord.readAll(repo, LAYOUT, said::add).size(), "kept for when it is a primary again");
            hold.takeUp(TLI1, Lsn.parse("0/6000000"));
            hold.cutAt(Lsn.parse("0/2000000"), TLI1);
            assertTrue(hold.isEmpty());
            assertEquals(Map.of(), SkippedWalRecord.readAll(repo, LAYOUT, said::add));
        }
    }

    /**
     * An old primary's gap reaching past what the new primary has written (it was promoted from
     * a standby that had less) is held up to the new primary's WAL, not dropped: the part on the
     * new history may be missing from the repository.
     */
    @Test
    void aGapReachingPastTheServersWalIsHeldUpToItsWal() throws Exception {
        try (EncodedStore repo = new EncodedStore(new FsBlobStore(dir), CodecSpec.DEFAULT)) {
            hold(repo, "old").skip(Lsn.parse("0/2000200"), Lsn.parse("0/9000000"), TLI1);
            TimelineHistory promoted = TimelineHistory.parse(2,
                    "1\t0/4000100\tno recovery target specified\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            SkippedWalHold hold = hold(repo, "new");
            hold.takeUp(promoted, Lsn.parse("0/4800000"));
            assertEquals(Lsn.parse("0/2000200"), hold.reportable(Lsn.parse("0/4800000")));
            storeSegments(stored, 2, 3);
            assertFalse(hold.look(repository), "segment 4, on timeline 2, is still missing");
            stored.add("000000020000000000000004");
            assertTrue(hold.look(repository));
            assertTrue(hold.isEmpty());
        }
    }
}
