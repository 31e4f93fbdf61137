package dev.pgvault.archiver.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.backup.FileEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Per-file digests over one pass, whatever the chunk sizes and however files sit. */
class FileRangeDigestsTest {

    private static FileEntry file(String path, byte[] object, int offset, int size) {
        return new FileEntry(path, size, TestStanza.sha256(Arrays.copyOfRange(object, offset, offset + size)), 0, 0600,
                "bundle/1", offset, List.of());
    }

    private static void feed(FileRangeDigests d, byte[] object, long seed) {
        Random random = new Random(seed);
        int pos = 0;
        while (pos < object.length) {
            int n = Math.min(object.length - pos, 1 + random.nextInt(5000));
            byte[] chunk = Arrays.copyOfRange(object, pos, pos + n);
            d.update(pos, chunk, 0, n);
            pos += n;
        }
    }

    @Test
    void adjacentGappedAndOverlappingFilesInAnyChunkingMatch() {
        byte[] object = TestStanza.bytes(50_000, 7);
        List<FileEntry> files = new ArrayList<>(List.of(
                file("c", object, 20_000, 30_000), // out of order on purpose
                file("a", object, 0, 100),
                file("b", object, 100, 9_900),
                file("gap-after", object, 12_000, 1),
                file("overlap", object, 5_000, 20_000),
                file("tiny", object, 19_999, 1)));
        for (long seed = 0; seed < 20; seed++) {
            FileRangeDigests d = new FileRangeDigests(files);
            feed(d, object, seed);
            assertEquals(List.of(), d.mismatches(object.length));
        }
    }

    @Test
    void aWrongFileAndOnePastTheEndAreTheOnlyMismatches() {
        byte[] object = TestStanza.bytes(10_000, 8);
        FileEntry good = file("good", object, 0, 4_000);
        FileEntry wrong = new FileEntry("wrong", 3_000, "ab".repeat(32), 0, 0600, "bundle/1", 4_000, List.of());
        FileEntry past = new FileEntry("past", 3_001, "cd".repeat(32), 0, 0600, "bundle/1", 7_000, List.of());
        FileRangeDigests d = new FileRangeDigests(List.of(good, wrong, past));
        feed(d, object, 1);
        List<FileRangeDigests.Mismatch> m = d.mismatches(object.length);
        assertEquals(List.of("wrong", "past"), m.stream().map(x -> x.file().path()).toList());
        assertTrue(m.get(1).what().contains("past the end"), m.get(1).what());
    }
}
