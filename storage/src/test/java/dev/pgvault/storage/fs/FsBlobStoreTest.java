package dev.pgvault.storage.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.storage.BlobInfo;
import dev.pgvault.storage.BlobStore;
import dev.pgvault.storage.BlobStoreContract;
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FsBlobStoreTest extends BlobStoreContract {

    @TempDir
    Path dir;

    @Override
    protected BlobStore newStore() {
        return new FsBlobStore(dir);
    }

    @Test
    void aRootThatIsAFileOrMissingIsNamedForWhatItIs() throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        FsBlobStore onFile = new FsBlobStore(file);
        assertEquals("repository directory " + file + " is not a directory",
                assertThrows(IOException.class, () -> onFile.stat("k")).getMessage());
        FsBlobStore missing = new FsBlobStore(dir.resolve("nowhere"));
        assertEquals("repository directory " + dir.resolve("nowhere") + " does not exist",
                assertThrows(IOException.class, () -> missing.stat("k")).getMessage());
    }

    @Test
    void aFailedWriteLeavesNoTemporaryFileOnDisk() throws IOException {
        assertThrows(IOException.class, () -> store.put("x/y", out -> {
            out.write(new byte[100]);
            throw new IOException("stop");
        }));
        try (Stream<Path> files = Files.walk(dir)) {
            assertEquals(0, files.filter(Files::isRegularFile).count());
        }
    }

    @Test
    void deleteAllLeavesNoEmptyDirectoriesButKeepsTheRoot() throws IOException {
        store.put("main/backup/1/data/base/5/16384", BlobWriter.of(new byte[] {1}));
        store.put("main/backup/1/backup.manifest", BlobWriter.of(new byte[] {2}));
        store.put("main/backup/2/backup.manifest", BlobWriter.of(new byte[] {3}));
        store.deleteAll(List.of("main/backup/1/data/base/5/16384", "main/backup/1/backup.manifest"));
        assertTrue(Files.notExists(dir.resolve("main/backup/1")));
        assertTrue(Files.isRegularFile(dir.resolve("main/backup/2/backup.manifest")));
        store.deleteAll(List.of("main/backup/2/backup.manifest"));
        assertTrue(Files.isDirectory(dir), "the repository directory itself stays");
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(0, left.count());
        }
    }

    @Test
    void aTemporaryFileLeftByACrashIsNotListed() throws IOException {
        Files.createDirectories(dir.resolve("wal"));
        Files.write(dir.resolve("wal").resolve(FsBlobStore.TEMP_PREFIX + "seg.123"), new byte[] {1});
        store.put("wal/seg", BlobWriter.of(new byte[] {2}));
        try (var s = store.list("wal/")) {
            assertEquals(1, s.count());
        }
    }

    @Test
    void aListingSurvivesADirectoryRemovedAndATemporaryFileRenamedWhileItRuns() throws IOException {
        for (String k : List.of("backup/1/a", "backup/2/a", "backup/2/b", "backup/3/a")) {
            store.put(k, BlobWriter.of(new byte[] {1}));
        }
        Path inFlight = dir.resolve("backup/3/" + FsBlobStore.TEMP_PREFIX + "b.1");
        Files.write(inFlight, new byte[] {2});
        List<String> seen = new ArrayList<>();
        try (Stream<BlobInfo> s = store.list("backup/")) {
            var it = s.iterator();
            seen.add(it.next().key()); // backup/1/a: the listing has read backup/ and backup/1/
            Files.delete(dir.resolve("backup/2/a"));
            Files.delete(dir.resolve("backup/2/b"));
            Files.delete(dir.resolve("backup/2"));
            Files.move(inFlight, dir.resolve("backup/3/b"));
            it.forEachRemaining(b -> seen.add(b.key()));
        }
        assertEquals(List.of("backup/1/a", "backup/3/a", "backup/3/b"), seen);
    }

    @Test
    void aSymbolicLinkLoopIsAnErrorNotAHang() throws IOException {
        Files.createDirectories(dir.resolve("wal"));
        Files.createSymbolicLink(dir.resolve("wal/loop"), dir.resolve("wal"));
        var e = assertThrows(java.io.UncheckedIOException.class, () -> {
            try (Stream<BlobInfo> s = store.list("wal/")) {
                s.count();
            }
        });
        assertTrue(e.getCause().getMessage().contains("symbolic link loop"), e.getCause().getMessage());
    }

    @Test
    void aMissingRepositoryDirectoryIsNamed() {
        BlobStore missing = new FsBlobStore(dir.resolve("nope"));
        StorageException e = assertThrows(StorageException.class, () -> missing.put("k", BlobWriter.of(new byte[1])));
        assertTrue(e.getMessage().contains(dir.resolve("nope").toString()), e.getMessage());
    }
}
