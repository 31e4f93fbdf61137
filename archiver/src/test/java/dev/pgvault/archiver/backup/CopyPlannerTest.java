package dev.pgvault.archiver.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CopyPlannerTest {
    private static final long PAGE = PageChecksum.PAGE_SIZE;

    private static SourceFile file(String path, long size) {
        return new SourceFile(path, Path.of("/pgdata", path), size, 1_700_000_000L, 0600);
    }

    @Test
    void aFileLargerThanThePartSizeBecomesPageAlignedRangesOfAboutEqualSize() {
        SourceFile big = file("base/5/16384.1", 10 * PAGE + 100); // a partial page at the end: being extended
        List<CopyTask> tasks = CopyPlanner.plan(List.of(big), 4 * PAGE);
        assertEquals(3, tasks.size(), tasks.toString());
        List<CopyTask> parts = tasks.stream().sorted((a, b) -> Integer.compare(a.part().index(), b.part().index())).toList();
        long next = 0;
        for (int i = 0; i < 3; i++) {
            PartRange r = parts.get(i).part();
            assertEquals(i, r.index());
            assertEquals(next, r.offset(), "ranges follow each other");
            assertEquals(0, r.offset() % PAGE, "a range starts on a page");
            assertEquals("part/base/5/16384.1/" + i, parts.get(i).object());
            assertEquals(List.of(big), parts.get(i).files());
            assertTrue(r.length() <= 4 * PAGE, "no range is larger than the part size: " + r);
            assertEquals(i == 2, r.toEnd(), "only the last reads to the end of the file");
            next = r.offset() + r.length();
        }
        assertEquals(big.size(), next, "the ranges cover the file as scanned");
        assertEquals(4 * PAGE, parts.get(0).part().length(), "10 pages in 3 parts: 4, 4, then the rest");
    }

    @Test
    void aFileOfExactlyThePartSizeStaysWholeAndSmallFilesStayBundled() {
        List<CopyTask> tasks = CopyPlanner.plan(List.of(file("base/5/1", 4 * PAGE), file("base/5/2", 4 * PAGE + PAGE),
                file("PG_VERSION", 3)), 4 * PAGE);
        assertEquals(List.of("part/base/5/2/0", "part/base/5/2/1", "bundle/1"),
                tasks.stream().map(CopyTask::object).toList().stream().sorted((a, b) -> a.startsWith("bundle") ? 1
                        : b.startsWith("bundle") ? -1 : a.compareTo(b)).toList());
        CopyTask bundle = tasks.stream().filter(t -> t.object().equals("bundle/1")).findFirst().orElseThrow();
        assertNull(bundle.part());
        assertFalse(bundle.alone());
        assertEquals(2, bundle.files().size(), "the file of exactly the part size is bundled (under 1 MiB) with PG_VERSION");
    }

    @Test
    void largeFilesAloneAreUnchangedBelowThePartSize() {
        List<CopyTask> tasks = CopyPlanner.plan(List.of(file("base/5/16384", 2 * CopyPlanner.ALONE_MIN)),
                BackupOptions.DEFAULT_PART_SIZE);
        assertEquals(1, tasks.size());
        assertEquals("data/base/5/16384", tasks.get(0).object());
        assertNull(tasks.get(0).part());
    }

    @Test
    void aPartSizeThatIsNotWholePagesIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> CopyPlanner.plan(List.of(), PAGE + 1));
        assertThrows(IllegalArgumentException.class, () -> CopyPlanner.plan(List.of(), 0));
    }
}
