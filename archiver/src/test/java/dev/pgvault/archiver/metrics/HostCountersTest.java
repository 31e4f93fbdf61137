package dev.pgvault.archiver.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostCountersTest {
    @TempDir
    Path dir;

    @Test
    void nothingRecordedIsNoSnapshotAtAll() throws Exception {
        assertTrue(HostCounters.at(dir.resolve("main-1234abcd/counters")).read().isEmpty());
    }

    @Test
    void countsAndTimesSurviveARead() throws Exception {
        HostCounters c = HostCounters.at(dir.resolve("main-1234abcd/counters"));
        Instant t1 = Instant.parse("2026-12-04T10:00:00.250Z");
        Instant t2 = Instant.parse("2026-12-04T10:05:00.500Z"); // milliseconds are kept
        c.pushSucceeded(t1);
        c.pushSucceeded(t2);
        c.pushFailed("000000010000000000000007", t1);
        c.backupFailed("incr", t2);
        HostCounters.Snapshot s = c.read().orElseThrow();
        assertEquals(new HostCounters.Snapshot(2, 1, t2, t1, "000000010000000000000007", 1, Map.of("incr", t2)), s);
        // the spool directory it made is the PostgreSQL user's alone, as the resident archiver makes it
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(c.file().getParent())));
    }

    @Test
    void concurrentRecordsAreAllCounted() throws Exception {
        HostCounters c = HostCounters.at(dir.resolve("s/counters"));
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread th = new Thread(() -> {
                for (int i = 0; i < 50; i++) {
                    c.pushSucceeded(Instant.now());
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        assertEquals(200, c.read().orElseThrow().pushSuccesses());
    }

    @Test
    void aTornOrForeignLineIsSkippedAndTheRestCounts() throws Exception {
        Path file = dir.resolve("s/counters");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "push_ok lots\ngarbage\npush_ok 5000\npush_o");
        HostCounters c = HostCounters.at(file);
        assertEquals(1, c.read().orElseThrow().pushSuccesses());
        Files.writeString(file, "\n", java.nio.file.StandardOpenOption.APPEND); // the torn line ends
        c.pushSucceeded(Instant.ofEpochSecond(7));
        HostCounters.Snapshot s = c.read().orElseThrow();
        assertEquals(2, s.pushSuccesses());
        assertEquals(Instant.ofEpochSecond(7), s.lastPushSuccess());
    }

    @Test
    void aLongFileIsFoldedIntoOneLinePerKindWithNothingLost() throws Exception {
        HostCounters c = HostCounters.at(dir.resolve("s/counters"));
        int pushes = 0;
        while (Files.notExists(c.file()) || Files.size(c.file()) < HostCounters.FOLD_AT / 2 || pushes < 12_000) {
            c.pushSucceeded(Instant.ofEpochMilli(1_000_000 + pushes));
            pushes++;
        }
        c.pushFailed("000000010000000000000009", Instant.ofEpochMilli(5));
        c.backupFailed("diff", Instant.ofEpochMilli(9));
        HostCounters.Snapshot s = c.read().orElseThrow();
        assertEquals(pushes, s.pushSuccesses());
        assertEquals(Instant.ofEpochMilli(1_000_000 + pushes - 1), s.lastPushSuccess());
        assertEquals(1, s.pushFailures());
        assertEquals("000000010000000000000009", s.lastFailedSegment());
        assertEquals(Map.of("diff", Instant.ofEpochMilli(9)), s.lastBackupFailure());
        assertTrue(Files.size(c.file()) < HostCounters.FOLD_AT, "folded: " + Files.size(c.file()));
    }

    @Test
    void noSpoolDirectoryIsMadeWhereNoneIs() throws Exception {
        HostCounters c = HostCounters.at(dir.resolve("no-spool/main-1234abcd/counters"));
        c.pushSucceeded(Instant.now()); // the spool's root is the operator's to make, with its owner
        assertTrue(Files.notExists(dir.resolve("no-spool")));
    }

    @Test
    void anUnwritablePlaceDropsTheRecordSilently() throws Exception {
        Path blocker = dir.resolve("file");
        Files.writeString(blocker, "not a directory");
        HostCounters c = HostCounters.at(blocker.resolve("counters"));
        c.pushFailed("000000010000000000000001", Instant.now()); // never throws: a counter is not worth a failed push
        assertEquals("not a directory", Files.readString(blocker));
    }
}
