package dev.pgvault.archiver.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The page checksum against pages written by PostgreSQL itself (initdb --data-checksums). */
class PageChecksumTest {
    private static InitdbCluster cluster;

    @BeforeAll
    static void initdb() throws Exception {
        assumeTrue(InitdbCluster.available(), "PostgreSQL 15 binaries not found in " + InitdbCluster.BIN);
        cluster = InitdbCluster.create();
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** pg_class of the template1 database: a relation of several pages. */
    private static Path pgClass() {
        return cluster.data.resolve("base/1/1259");
    }

    @Test
    void everyPageOfEveryRelationFileInTheClusterPasses() throws Exception {
        PageChecksum checksum = new PageChecksum();
        List<Path> files = new ArrayList<>();
        try (Stream<Path> all = Files.walk(cluster.data)) {
            all.filter(Files::isRegularFile)
                    .filter(p -> RelationFiles.segmentNumber(cluster.data.relativize(p).toString()) == 0)
                    .forEach(files::add);
        }
        assertTrue(files.size() > 500, "relation files in a new cluster: " + files.size());
        long checked = 0;
        for (Path f : files) {
            byte[] bytes = Files.readAllBytes(f);
            assertEquals(0, bytes.length % PageChecksum.PAGE_SIZE, f + " is whole pages");
            for (int block = 0; block < bytes.length / PageChecksum.PAGE_SIZE; block++) {
                int off = block * PageChecksum.PAGE_SIZE;
                if (PageChecksum.isAllZero(bytes, off)) {
                    continue;
                }
                assertTrue(checksum.verify(bytes, off, block), f + " block " + block + ": computed "
                        + checksum.compute(bytes, off, block) + ", stored " + PageChecksum.stored(bytes, off));
                checked++;
            }
        }
        assertTrue(checked > 1000, "pages checked: " + checked);
    }

    @Test
    void aFlippedByteAnywhereInThePageFails() throws Exception {
        byte[] bytes = Files.readAllBytes(pgClass());
        assertTrue(bytes.length >= 2 * PageChecksum.PAGE_SIZE, "pg_class has several pages");
        PageChecksum checksum = new PageChecksum();
        int page = PageChecksum.PAGE_SIZE;
        assertTrue(checksum.verify(bytes, page, 1));
        for (int at : new int[] {0, 7, 12, 100, 4000, PageChecksum.PAGE_SIZE - 1}) {
            byte[] copy = bytes.clone();
            copy[page + at] ^= 0x01;
            assertFalse(checksum.verify(copy, page, 1), "flipped a bit at offset " + at);
        }
    }

    @Test
    void theChecksumFieldItselfDoesNotCountButTheBlockNumberDoes() throws Exception {
        byte[] bytes = Files.readAllBytes(pgClass());
        PageChecksum checksum = new PageChecksum();
        int stored = PageChecksum.stored(bytes, 0);
        bytes[8] ^= (byte) 0xFF; // pd_checksum: the computation takes it as zero
        assertEquals(stored, checksum.compute(bytes, 0, 0));
        assertNotEquals(stored, checksum.compute(bytes, 0, 1), "a page moved to another block fails");
        assertNotEquals(stored, checksum.compute(bytes, 0, 131072), "or to the same block of another segment");
    }

    @Test
    void theVerifierReportsTheBadBlockAndSkipsPagesNewerThanTheBackupStart() throws Exception {
        Path copy = cluster.base.resolve("1259-corrupt");
        byte[] bytes = Files.readAllBytes(pgClass());
        bytes[PageChecksum.PAGE_SIZE + 5000] ^= 0x40;
        Files.write(copy, bytes);
        try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.READ)) {
            PageVerifier strict = new PageVerifier(new PageChecksum(), -1L); // every page is older than "start"
            strict.begin(ch, 0);
            strict.check(bytes, bytes.length, 0);
            assertEquals(List.of(1L), strict.badPages());

            // The same bytes in a second segment file: block numbers continue from the segment's first.
            strict.begin(ch, 131072);
            strict.check(bytes, bytes.length, 0);
            assertTrue(strict.badPages().size() >= bytes.length / PageChecksum.PAGE_SIZE - 1,
                    "checked as other blocks, the pages fail: " + strict.badPages());

            PageVerifier lenient = new PageVerifier(new PageChecksum(), 0L); // every page is at or past "start"
            lenient.begin(ch, 0);
            lenient.check(bytes, bytes.length, 0);
            assertEquals(List.of(), lenient.badPages(), "pages WAL replay rewrites are not checked");
        }
    }

    @Test
    void allZeroPagesPassAndAPageWithOnlySomeZeroesFails() {
        PageChecksum checksum = new PageChecksum();
        byte[] zero = new byte[PageChecksum.PAGE_SIZE];
        assertTrue(PageChecksum.isNew(zero, 0) && PageChecksum.isAllZero(zero, 0));
        zero[300] = 1;
        assertTrue(PageChecksum.isNew(zero, 0));
        assertFalse(PageChecksum.isAllZero(zero, 0));
        assertFalse(checksum.verify(zero, 0, 0), "a new page with stray bytes has no valid checksum");
    }
}
