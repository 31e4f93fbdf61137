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
        Instant t2 = Instant.parse("2026-12-04T10:05:00.500Z");
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
    void aDamagedFileReadsAsZerosAndIsRewrittenWhole() throws Exception {
        Path file = dir.resolve("s/counters");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "archive_push_success_total lots\ngarbage\narchive_push_last_success_time x\n");
        HostCounters c = HostCounters.at(file);
        HostCounters.Snapshot s = c.read().orElseThrow();
        assertEquals(0, s.pushSuccesses());
        assertNull(s.lastPushSuccess());
        c.pushSucceeded(Instant.ofEpochSecond(5));
        assertEquals(1, c.read().orElseThrow().pushSuccesses());
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
