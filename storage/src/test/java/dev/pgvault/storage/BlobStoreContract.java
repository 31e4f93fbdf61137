package dev.pgvault.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The one contract every {@link BlobStore} driver must keep. Each driver's test extends this
 * class and supplies a fresh, empty store; the assertions are what a repository user relies on.
 */
public abstract class BlobStoreContract {

    protected BlobStore store;

    /** A new, empty store. Called before every test. */
    protected abstract BlobStore newStore() throws Exception;

    /** Large enough to cross the driver's multipart threshold, where it has one. */
    protected int largeObjectSize() {
        return 20 * 1024 * 1024 + 12345;
    }

    @BeforeEach
    void open() throws Exception {
        store = newStore();
    }

    @AfterEach
    void closeStore() throws Exception {
        if (store != null) {
            store.close();
        }
    }

    protected static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    protected byte[] read(String key) throws IOException {
        try (InputStream in = store.get(key)) {
            return in.readAllBytes();
        }
    }

    private Set<String> keys(String prefix) throws IOException {
        try (Stream<BlobInfo> s = store.list(prefix)) {
            return s.map(BlobInfo::key).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** Callers size their thread pools by it: at least one read at a time, and not a flood. */
    @Test
    void readsAtOnceIsBetweenOneAndSixtyFour() {
        int n = store.readsAtOnce();
        assertTrue(n >= 1 && n <= 64, "readsAtOnce " + n);
    }

    @Test
    void putThenGetReturnsTheSameBytes() throws IOException {
        byte[] data = random(1000, 1);
        store.put("a/b/c.bin", BlobWriter.of(data));
        assertArrayEquals(data, read("a/b/c.bin"));
    }

    @Test
    void emptyBlobRoundTrips() throws IOException {
        store.put("empty", BlobWriter.of(new byte[0]));
        assertArrayEquals(new byte[0], read("empty"));
        assertEquals(0, store.stat("empty").orElseThrow().size());
    }

    @Test
    void largeBlobRoundTripsStreamed() throws IOException {
        byte[] data = random(largeObjectSize(), 2);
        store.put("big/object", out -> {
            // Written in odd-sized slices, as an encoder would.
            for (int off = 0; off < data.length; off += 77_777) {
                out.write(data, off, Math.min(77_777, data.length - off));
            }
        });
        assertArrayEquals(data, read("big/object"));
        assertEquals(data.length, store.stat("big/object").orElseThrow().size());
    }

    @Test
    void putReplacesAnExistingBlob() throws IOException {
        store.put("k", BlobWriter.of(new byte[] {1, 2, 3}));
        store.put("k", BlobWriter.of(new byte[] {4, 5}));
        assertArrayEquals(new byte[] {4, 5}, read("k"));
    }

    @Test
    void getFromAnOffset() throws IOException {
        byte[] data = random(5000, 3);
        store.put("off", BlobWriter.of(data));
        try (InputStream in = store.get("off", 1234)) {
            byte[] tail = in.readAllBytes();
            assertEquals(5000 - 1234, tail.length);
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 1234, 5000), tail);
        }
        try (InputStream in = store.get("off", 5000)) {
            assertEquals(0, in.readAllBytes().length);
        }
    }

    @Test
    void getOfAMissingKeyIsNotFound() {
        BlobNotFoundException e = assertThrows(BlobNotFoundException.class, () -> store.get("no/such/key"));
        assertEquals("no/such/key", e.key());
        assertTrue(e.getMessage().contains("no/such/key"), e.getMessage());
    }

    @Test
    void statOfAMissingKeyIsEmpty() throws IOException {
        assertTrue(store.stat("missing").isEmpty());
    }

    @Test
    void statGivesSizeAndTime() throws IOException {
        store.put("s/t", BlobWriter.of(new byte[42]));
        BlobInfo info = store.stat("s/t").orElseThrow();
        assertEquals("s/t", info.key());
        assertEquals(42, info.size());
        assertTrue(info.lastModified().toEpochMilli() > 0);
    }

    @Test
    void deleteAllRemovesEveryKeyGivenInBatchesAndSkipsMissingOnes() throws IOException {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 1100; i++) { // more than one S3 DeleteObjects request
            keys.add(String.format("b/%02d/x/%04d", i % 7, i));
        }
        for (String k : keys) {
            store.put(k, BlobWriter.of(new byte[] {(byte) k.hashCode()}));
        }
        store.put("b/keep", BlobWriter.of(new byte[] {1}));
        List<String> gone = new ArrayList<>(keys);
        gone.add("b/never/existed");
        store.deleteAll(gone);
        assertEquals(Set.of("b/keep"), keys("b/"));
        store.deleteAll(List.of());
        store.deleteAll(gone); // again: all missing, still a success
        // a writer after the delete finds its place again, whatever the store tidied up
        store.put("b/03/x/0003", BlobWriter.of(new byte[] {2}));
        assertArrayEquals(new byte[] {2}, read("b/03/x/0003"));
    }

    @Test
    void deleteIsIdempotent() throws IOException {
        store.put("d", BlobWriter.of(new byte[] {9}));
        store.delete("d");
        assertTrue(store.stat("d").isEmpty());
        store.delete("d");
        store.delete("never/existed");
    }

    @Test
    void listIsAStringPrefixMatch() throws IOException {
        for (String k : List.of("wal/000000010000000100000001", "wal/000000010000000100000002",
                "wal/000000020000000100000003", "walrus", "backup/x/manifest", "top")) {
            store.put(k, BlobWriter.of(k.getBytes()));
        }
        assertEquals(Set.of("wal/000000010000000100000001", "wal/000000010000000100000002",
                "wal/000000020000000100000003"), keys("wal/"));
        assertEquals(Set.of("wal/000000010000000100000001", "wal/000000010000000100000002"),
                keys("wal/0000000100"));
        assertEquals(Set.of("wal/000000010000000100000001", "wal/000000010000000100000002",
                "wal/000000020000000100000003", "walrus"), keys("wal"));
        assertEquals(6, keys("").size());
        assertEquals(Set.of(), keys("nothing/here/"));
        try (Stream<BlobInfo> s = store.list("backup/")) {
            BlobInfo only = s.findFirst().orElseThrow();
            assertEquals("backup/x/manifest", only.key());
            assertEquals("backup/x/manifest".length(), only.size());
        }
    }

    @Test
    void listPagesThroughManyKeys() throws IOException {
        int n = 1100; // more than one S3 page of 1000
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String key = String.format("many/%05d", i);
                done.add(pool.submit(() -> {
                    store.put(key, BlobWriter.of(new byte[] {1}));
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            pool.shutdown();
        }
        Set<String> keys = keys("many/");
        assertEquals(n, keys.size());
        assertTrue(keys.contains("many/00000") && keys.contains("many/01099"));
    }

    @Test
    void aListingSurvivesBlobsDeletedWhileItRuns() throws IOException {
        // What `info` sees while a backup or expire changes the repository under it.
        Set<String> all = new TreeSet<>();
        for (String dir : List.of("a", "b", "c")) {
            for (int i = 0; i < 3; i++) {
                all.add(dir + "/" + i);
                store.put(dir + "/" + i, BlobWriter.of(new byte[] {1}));
            }
        }
        Set<String> seen = new TreeSet<>();
        Set<String> deleted = new TreeSet<>();
        try (Stream<BlobInfo> s = store.list("")) {
            var it = s.iterator();
            seen.add(it.next().key());
            for (String k : all) {
                if (!seen.contains(k) && !k.startsWith("a/")) {
                    store.delete(k);
                    deleted.add(k);
                }
            }
            it.forEachRemaining(b -> seen.add(b.key()));
        }
        assertTrue(all.containsAll(seen), "only keys that existed: " + seen);
        Set<String> kept = new TreeSet<>(all);
        kept.removeAll(deleted);
        assertTrue(seen.containsAll(kept), "every key never deleted is listed: " + seen);
    }

    @Test
    void createWritesOnlyWhenAbsent() throws IOException {
        assertTrue(store.create("c", BlobWriter.of(new byte[] {1})));
        assertFalse(store.create("c", BlobWriter.of(new byte[] {2})));
        assertArrayEquals(new byte[] {1}, read("c"));
    }

    @Test
    void createOfALargeBlobWhenPresentChangesNothing() throws IOException {
        byte[] first = random(largeObjectSize(), 4);
        assertTrue(store.create("big/c", BlobWriter.of(first)));
        assertFalse(store.create("big/c", BlobWriter.of(random(largeObjectSize(), 5))));
        assertArrayEquals(first, read("big/c"));
    }

    @Test
    void racingCreatesHaveExactlyOneWinnerWhereAtomic() throws Exception {
        if (!store.atomicCreate()) {
            return;
        }
        int racers = 6;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < racers; i++) {
                byte value = (byte) i;
                results.add(pool.submit(() -> {
                    start.await();
                    return store.create("race", BlobWriter.of(new byte[] {value}));
                }));
            }
            start.countDown();
            int winners = 0;
            for (Future<Boolean> r : results) {
                winners += r.get() ? 1 : 0;
            }
            assertEquals(1, winners);
            assertEquals(1, read("race").length);
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void aFailingWriterLeavesNothingVisible() throws IOException {
        IOException boom = new IOException("writer failed");
        IOException thrown = assertThrows(IOException.class, () -> store.put("half", out -> {
            out.write(random(3 * 1024 * 1024, 6));
            throw boom;
        }));
        assertTrue(thrown == boom || thrown.getCause() == boom, "the writer's failure surfaces");
        assertTrue(store.stat("half").isEmpty());
        assertThrows(BlobNotFoundException.class, () -> store.get("half"));
        assertEquals(Set.of(), keys(""), "no temporary or partial object is listed");
    }

    @Test
    void aFailingLargeWriterLeavesTheOldBlobUnchanged() throws IOException {
        store.put("keep", BlobWriter.of(new byte[] {7, 7}));
        assertThrows(IOException.class, () -> store.put("keep", out -> {
            out.write(random(largeObjectSize(), 7));
            throw new IOException("late failure");
        }));
        assertArrayEquals(new byte[] {7, 7}, read("keep"));
        assertEquals(Set.of("keep"), keys(""));
    }

    @Test
    void aWriterMustNotSeeItsStreamClosedByOthers() throws IOException {
        // A writer that flushes and writes single bytes works like any other.
        store.put("bytes", out -> {
            for (int i = 0; i < 300; i++) {
                out.write(i);
            }
            out.flush();
        });
        assertEquals(300, read("bytes").length);
    }

    @Test
    void badKeysAreRefusedByName() {
        for (String bad : List.of("/abs", "a//b", "../up", "a/./b", "trailing/", "")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> store.put(bad, BlobWriter.of(new byte[] {1})), bad);
            assertTrue(e.getMessage().contains("key"), e.getMessage());
        }
    }
}
