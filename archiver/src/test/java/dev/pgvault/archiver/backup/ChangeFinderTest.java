package dev.pgvault.archiver.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The page-LSN rule and what the first pass of an incremental backup decides, on files of made-up pages. */
class ChangeFinderTest {
    private static final int PAGE = PageChecksum.PAGE_SIZE;
    private static final long PARENT_START = 0x5000028L;

    @TempDir
    Path dir;

    /** A valid heap page with {@code lsn} and a correct checksum for {@code block}. */
    static byte[] page(long lsn, long block, int fill) {
        byte[] p = new byte[PAGE];
        ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.nativeOrder());
        b.putInt(0, (int) (lsn >>> 32)).putInt(4, (int) lsn);
        b.putShort(12, (short) 40).putShort(14, (short) 8000).putShort(16, (short) PAGE).putShort(18, (short) (PAGE | 4));
        for (int i = 8000; i < PAGE; i++) {
            p[i] = (byte) fill;
        }
        b.putShort(8, (short) new PageChecksum().compute(p, 0, block));
        return p;
    }

    @Test
    void aPageAtOrBelowTheParentsStartIsTheParentsAnyOtherIsStored() {
        PageTrust trust = new PageTrust(PARENT_START, new PageChecksum());
        assertTrue(trust.fromParent(page(PARENT_START, 7, 1), 0, 7), "LSN exactly the parent's start");
        assertTrue(trust.fromParent(page(PARENT_START - 1, 7, 1), 0, 7));
        assertFalse(trust.fromParent(page(PARENT_START + 1, 7, 1), 0, 7), "changed since the parent started");
        assertFalse(trust.fromParent(new byte[PAGE], 0, 7), "a new, zeroed page");
        assertFalse(trust.fromParent(page(PARENT_START, 8, 1), 0, 7), "its checksum fails for block 7");
        byte[] badHeader = page(PARENT_START, 7, 1);
        ByteBuffer.wrap(badHeader).order(ByteOrder.nativeOrder()).putShort(14, (short) 20); // upper below lower
        assertFalse(new PageTrust(PARENT_START, null).fromParent(badHeader, 0, 7), "not a page's header");
        assertTrue(new PageTrust(PARENT_START, null).fromParent(page(PARENT_START, 8, 1), 0, 7),
                "without data checksums, the checksum is not read");
    }

    @Test
    void anUnchangedFileIsReusedAChangedOneStoredByPagesOrWholeAndOtherFilesCompareWhole() throws Exception {
        FileEntry parent = new FileEntry("base/5/16384", 4L * PAGE, null, 1, 0600, "data/base/5/16384", 0, List.of());
        ChangeFinder finder = new ChangeFinder("P", new PageTrust(PARENT_START, new PageChecksum()), null, 131072);

        Path same = write("same", page(1, 0, 1), page(2, 1, 1), page(3, 2, 1), page(4, 3, 1));
        ChangeFinder.Decision d = finder.examine(source("base/5/16384", same), parent);
        ChangeFinder.Reuse reuse = assertInstanceOf(ChangeFinder.Reuse.class, d);
        assertEquals("P", reuse.entry().backup(), "the parent's copy, named by the parent's id");

        Path one = write("one", page(1, 0, 1), page(PARENT_START + 8, 1, 2), page(3, 2, 1), page(4, 3, 1), page(9, 4, 3));
        ChangeFinder.Pages pages = assertInstanceOf(ChangeFinder.Pages.class, finder.examine(source("base/5/16384", one), parent));
        assertEquals(List.of(1L, 4L), pages.blocks(), "the changed page and the one past the parent's end");
        assertEquals(5L * PAGE, pages.size());

        Path shorter = write("shorter", page(1, 0, 1), page(2, 1, 1));
        ChangeFinder.Pages cut = assertInstanceOf(ChangeFinder.Pages.class, finder.examine(source("base/5/16384", shorter), parent));
        assertEquals(List.of(), cut.blocks(), "truncated: nothing to store, only the size");
        assertEquals(2L * PAGE, cut.size());

        Path most = write("most", page(PARENT_START + 1, 0, 1), page(PARENT_START + 2, 1, 1), page(PARENT_START + 3, 2, 1),
                page(4, 3, 1));
        assertInstanceOf(ChangeFinder.Whole.class, finder.examine(source("base/5/16384", most), parent), "over half changed");

        FileEntry bad = new FileEntry("base/5/16384", 4L * PAGE, null, 1, 0600, "data/base/5/16384", 0, List.of(2L));
        ChangeFinder.Pages again = assertInstanceOf(ChangeFinder.Pages.class, finder.examine(source("base/5/16384", same), bad));
        assertEquals(List.of(2L), again.blocks(), "a page bad in the parent is stored again");

        Path vm = write("vm", page(1, 0, 1));
        FileEntry vmParent = new FileEntry("base/5/16384_vm", PAGE, "00", 1, 0600, "bundle/1", 0, List.of());
        assertInstanceOf(ChangeFinder.Whole.class, finder.examine(source("base/5/16384_vm", vm), vmParent),
                "a map fork is compared whole: its pages change without their LSN saying so");
        assertInstanceOf(ChangeFinder.Whole.class, finder.examine(source("base/5/16385", same), null), "new since the parent");
    }

    @Test
    void withTheBackupsPageVerifierAPageWhoseChecksumFailsIsStoredAndNamedBadAndGoodOnesAreTheParents() throws Exception {
        // the verifier computes each old page's checksum once; the rule takes its answer instead of computing it again
        FileEntry parent = new FileEntry("base/5/16384", 3L * PAGE, null, 1, 0600, "data/base/5/16384", 0, List.of());
        ChangeFinder finder = new ChangeFinder("P", new PageTrust(PARENT_START, new PageChecksum()),
                new PageVerifier(new PageChecksum(), PARENT_START + 0x1000000L), 131072);
        byte[] damaged = page(2, 1, 1);
        damaged[8100] ^= 1; // an old LSN, and a checksum that no longer fits
        Path f = write("verified", page(1, 0, 1), damaged, page(3, 2, 1));
        ChangeFinder.Pages pages = assertInstanceOf(ChangeFinder.Pages.class, finder.examine(source("base/5/16384", f), parent));
        assertEquals(List.of(1L), pages.blocks(), "the damaged page is stored, not taken from the parent");
        assertEquals(List.of(1L), pages.badPages());

        Path same = write("verified-same", page(1, 0, 1), page(2, 1, 1), page(3, 2, 1));
        assertInstanceOf(ChangeFinder.Reuse.class, finder.examine(source("base/5/16384", same), parent));

        // past the first buffer: the verifier's answers are per buffer, indexed from its first page
        int perBuffer = ObjectCopier.BUFFER / PAGE;
        int blocks = perBuffer + 3;
        byte[][] pagesOf = new byte[blocks][];
        for (int i = 0; i < blocks; i++) {
            pagesOf[i] = page(i + 1, i, 1);
        }
        pagesOf[perBuffer + 1][8100] ^= 1;
        FileEntry longParent = new FileEntry("base/5/16384", (long) blocks * PAGE, null, 1, 0600, "data/base/5/16384", 0, List.of());
        ChangeFinder.Pages second = assertInstanceOf(ChangeFinder.Pages.class,
                finder.examine(source("base/5/16384", write("two-buffers", pagesOf)), longParent));
        assertEquals(List.of((long) perBuffer + 1), second.blocks());
        assertEquals(List.of((long) perBuffer + 1), second.badPages());
    }

    private Path write(String name, byte[]... pages) throws Exception {
        Path f = dir.resolve(name);
        for (byte[] p : pages) {
            Files.write(f, p, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
        return f;
    }

    private static SourceFile source(String path, Path file) throws Exception {
        return new SourceFile(path, file, Files.size(file), 2, 0600);
    }
}
