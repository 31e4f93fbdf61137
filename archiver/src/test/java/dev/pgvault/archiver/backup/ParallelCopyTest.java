package dev.pgvault.archiver.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.fs.FsBlobStore;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files go into objects and come back byte for byte from where the entries say they are. */
class ParallelCopyTest {
    private static final String DIR = "main/backup/20261126-031500F/";

    @TempDir
    Path tmp;

    @Test
    void everyFileComesBackFromItsObjectAndOffset() throws Exception {
        Path pgdata = Files.createDirectories(tmp.resolve("data"));
        Random r = new Random(42);
        List<SourceFile> files = new ArrayList<>();
        files.add(file(pgdata, "PG_VERSION", "15\n".getBytes()));
        files.add(file(pgdata, "empty", new byte[0]));
        files.add(file(pgdata, "base/5/16384", random(r, 3 * 1024 * 1024 + 8192)));      // alone
        files.add(file(pgdata, "base/5/16385", random(r, 20 * 1024 * 1024)));            // alone, parallel compression
        for (int i = 0; i < 40; i++) {                                                   // two bundles and a bit
            files.add(file(pgdata, "base/5/" + (17000 + i), random(r, 400 * 1024 + i)));
        }
        SourceFile vanished = new SourceFile("base/5/99999", pgdata.resolve("base/5/99999"), 8192, 0, 0600);
        files.add(vanished);
        files.sort((a, b) -> a.path().compareTo(b.path()));

        EncodedStore repo = new EncodedStore(new FsBlobStore(Files.createDirectories(tmp.resolve("repo"))), CodecSpec.DEFAULT);
        List<CopyTask> tasks = CopyPlanner.plan(files, BackupOptions.DEFAULT_PART_SIZE);
        assertEquals("data/base/5/16385", tasks.get(0).object(), "largest first");
        assertTrue(tasks.stream().filter(t -> !t.alone()).allMatch(t -> t.plannedBytes() <= CopyPlanner.BUNDLE_MAX));
        List<CopyResult> results = ParallelCopy.run(tasks, 2, () -> new ObjectCopier(repo, DIR, PageChecks.off(), 2));

        Map<String, FileEntry> entries = new HashMap<>();
        results.forEach(res -> res.files().forEach(e -> entries.put(e.path(), e)));
        assertEquals(files.size() - 1, entries.size(), "every file but the vanished one");
        assertNull(entries.get(vanished.path()));
        assertNull(entries.get("empty").object(), "an empty file has no object");
        assertEquals("data/base/5/16384", entries.get("base/5/16384").object());
        for (SourceFile f : files) {
            FileEntry e = entries.get(f.path());
            if (e == null) {
                continue;
            }
            byte[] expected = Files.readAllBytes(f.file());
            assertEquals(expected.length, e.size(), f.path());
            assertEquals(sha256(expected), e.sha256(), f.path());
            byte[] stored = new byte[0];
            if (e.object() != null) {
                try (InputStream in = repo.get(DIR + e.object())) {
                    in.skipNBytes(e.offset());
                    stored = in.readNBytes((int) e.size());
                }
            }
            assertArrayEquals(expected, stored, f.path());
        }
        for (CopyResult res : results) {
            if (res.object() != null) {
                try (InputStream in = repo.get(DIR + res.object().key())) {
                    assertEquals(res.object().plainSize(), in.readAllBytes().length);
                }
            }
        }
    }

    @Test
    void aBadPageIsNamedByItsBlockNumberInTheRightSegment() throws Exception {
        assumeInitdb();
        try (InitdbCluster cluster = InitdbCluster.create()) {
            byte[] pages = Files.readAllBytes(cluster.data.resolve("base/1/1259"));
            pages[2 * PageChecksum.PAGE_SIZE + 100] ^= 0x10;
            Path pgdata = Files.createDirectories(tmp.resolve("data"));
            List<SourceFile> files = List.of(file(pgdata, "base/1/1259", pages));
            EncodedStore repo = new EncodedStore(new FsBlobStore(Files.createDirectories(tmp.resolve("repo"))),
                    CodecSpec.DEFAULT);
            PageChecks checks = new PageChecks(true, -1L, 131072);
            List<CopyResult> results = ParallelCopy.run(CopyPlanner.plan(files, BackupOptions.DEFAULT_PART_SIZE), 1,
                    () -> new ObjectCopier(repo, DIR, checks, 1));
            assertEquals(List.of(2L), results.get(0).files().get(0).badPages());
        }
    }

    private static void assumeInitdb() {
        org.junit.jupiter.api.Assumptions.assumeTrue(InitdbCluster.available(), "no initdb");
    }

    private static SourceFile file(Path root, String rel, byte[] content) throws Exception {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.write(p, content);
        return new SourceFile(rel, p, content.length, 1_700_000_000L, 0600);
    }

    /** Half random, half zeroes: compressible like a table. */
    private static byte[] random(Random r, int size) {
        byte[] b = new byte[size];
        byte[] half = new byte[size / 2];
        r.nextBytes(half);
        System.arraycopy(half, 0, b, 0, half.length);
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
