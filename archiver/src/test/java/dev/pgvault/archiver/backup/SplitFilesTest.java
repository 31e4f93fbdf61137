package dev.pgvault.archiver.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SplitFilesTest {
    private static final long PAGE = PageChecksum.PAGE_SIZE;
    private static final SourceFile FILE = new SourceFile("base/5/16384", Path.of("/pgdata/base/5/16384"), 12 * PAGE,
            1_700_000_000L, 0600);

    /** Part {@code index} of 3 planned 4-page parts, as read: {@code bytes} long, or gone (-1). */
    private static CopiedPart copied(int index, long bytes, List<Long> bad) {
        PartRange range = new PartRange(index, index * 4 * PAGE, 4 * PAGE, index == 2);
        FilePart stored = bytes < 0 ? null : new FilePart("part/base/5/16384/" + index, range.offset(), bytes, "sha" + index);
        return new CopiedPart(FILE, range, stored, bad);
    }

    @Test
    void partsJoinInOrderIntoOneEntryWithTheirBadPages() {
        List<CopiedPart> parts = new ArrayList<>(List.of(copied(2, 5 * PAGE, List.of(9L)), copied(0, 4 * PAGE, List.of(1L)),
                copied(1, 4 * PAGE, List.of())));
        List<FileEntry> files = SplitFiles.join(parts);
        assertEquals(1, files.size());
        FileEntry f = files.get(0);
        assertEquals(13 * PAGE, f.size(), "the last part read what the file had grown to");
        assertNull(f.object());
        assertNull(f.sha256(), "no digest covers the whole file: each part has its own");
        assertEquals(List.of("part/base/5/16384/0", "part/base/5/16384/1", "part/base/5/16384/2"),
                f.parts().stream().map(FilePart::object).toList());
        assertEquals(List.of(1L, 9L), f.badPages());
        assertTrue(f.split());
    }

    @Test
    void aShortPartEndsTheFileAndLaterPartsAreLeftOut() {
        FileEntry f = SplitFiles.join(List.of(copied(0, 4 * PAGE, List.of()), copied(1, PAGE, List.of()),
                copied(2, 4 * PAGE, List.of(10L)))).get(0);
        assertEquals(5 * PAGE, f.size());
        assertEquals(2, f.parts().size());
        assertEquals(List.of(), f.badPages(), "a left-out part's pages are not the file's");
    }

    @Test
    void aFileTruncatedToNothingIsEmptyAndAFileGoneIsLeftOut() {
        FileEntry empty = SplitFiles.join(List.of(copied(0, 0, List.of()), copied(1, -1, List.of()),
                copied(2, -1, List.of()))).get(0);
        assertEquals(0, empty.size());
        assertNull(empty.object());
        assertEquals(SplitFiles.EMPTY_SHA256, empty.sha256());
        assertEquals(List.of(), SplitFiles.join(List.of(copied(0, -1, List.of()), copied(1, -1, List.of()),
                copied(2, -1, List.of()))));
    }
}
