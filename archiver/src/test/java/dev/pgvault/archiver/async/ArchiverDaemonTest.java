package dev.pgvault.archiver.async;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.verify.TestStanza;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.fs.FsBlobStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The resident archiver on a filesystem repository and a pg_wal made by hand. */
class ArchiverDaemonTest {
    @TempDir
    Path dir;

    TestStanza stanza;
    Spool spool;
    Path walDir;
    final List<String> log = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void open() throws IOException {
        stanza = new TestStanza(Files.createDirectory(dir.resolve("repo")), CodecSpec.DEFAULT);
        spool = Spool.of(dir.resolve("spool"), "main", stanza.repo.describe()).create();
        walDir = Files.createDirectories(dir.resolve("pg_wal/archive_status"));
        walDir = walDir.getParent();
    }

    @AfterEach
    void close() throws IOException {
        stanza.close();
    }

    private ArchiverDaemon daemon(Duration idleExit) {
        return new ArchiverDaemon(stanza.repo, stanza.layout, spool, 3, 4, idleExit, Clock.systemUTC(), log::add);
    }

    private void ready(long n) throws IOException {
        String name = TestStanza.segment(1, n);
        Files.write(walDir.resolve(name), TestStanza.segmentBytes(stanza.cluster, 1, n));
        Files.writeString(walDir.resolve("archive_status/" + name + ".ready"), "");
    }

    private static CompletableFuture<Boolean> start(ArchiverDaemon daemon) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return daemon.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** The launcher's own test of a record, in the same shell: the same inode and modification time. */
    private static boolean launcherAccepts(Path segment, Path record) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "[ \"$1\" -ef \"$2\" ] && [ ! \"$1\" -nt \"$2.mtime\" ]"
                + " && [ ! \"$1\" -ot \"$2.mtime\" ]", "sh", segment.toString(), record.toString()).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return p.exitValue() == 0;
    }

    /**
     * Removed under a running archiver, the spool gets a new lock file, which a second archiver
     * may take: the first exits, so that two never fetch one file into one spool (stop 21's CI:
     * PostgreSQL was handed a segment another archiver was still writing).
     */
    @Test
    void anArchiverWhoseSpoolWasRemovedExitsSoThatTwoNeverShareIt() throws Exception {
        CompletableFuture<Boolean> run = start(daemon(Duration.ofSeconds(60)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(spool.pidFile()) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(spool.pidFile()), "started: " + log);
        Files.delete(spool.lockFile());
        assertTrue(run.get(10, TimeUnit.SECONDS), "exited long before its idle time: " + log);
        assertTrue(log.stream().anyMatch(l -> l.contains("lock file was removed or replaced")), log.toString());
    }

    @Test
    void readySegmentsArePushedAndRecordedWithTheStampTheLauncherCompares() throws Exception {
        for (long n = 3; n <= 8; n++) {
            ready(n);
        }
        spool.writeWalDir(walDir);
        CompletableFuture<Boolean> run = start(daemon(Duration.ofSeconds(3)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (long n = 3; n <= 8; n++) {
            Path rec = spool.pushDir().resolve(TestStanza.segment(1, n));
            while (!Files.exists(rec) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(Files.exists(rec), "pushed and recorded: " + rec + "; log " + log);
            Path seg = walDir.resolve(TestStanza.segment(1, n));
            assertTrue(launcherAccepts(seg, rec), "the launcher's shell test accepts the record of " + seg);
            assertTrue(spool.pushed(seg));
            assertTrue(stanza.repo.blobs().stat(stanza.walKey(TestStanza.segment(1, n))).isPresent(),
                    "durable in the repository before it is recorded");
        }
        assertFalse(daemon(Duration.ofSeconds(1)).run(), "a second archiver finds the spool taken");
        // The same name, another file (different bytes): the record does not vouch for it.
        Path third = walDir.resolve(TestStanza.segment(1, 3));
        Path thirdRecord = spool.pushDir().resolve(TestStanza.segment(1, 3));
        Object pushedFile = fileKey(thirdRecord);
        Path copy = dir.resolve("copy");
        Files.copy(third, copy);
        Files.move(copy, third, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        boolean accepted = launcherAccepts(third, thirdRecord);
        boolean pushed = spool.pushed(third);
        if (pushedFile.equals(fileKey(thirdRecord))) {
            assertFalse(accepted, "the record of the file pushed vouches for another");
            assertFalse(pushed);
        } else {
            // still .ready, the new file is being pushed or was pushed in the meantime (its bytes
            // are the same, so the repository already had them): the old record went first, and
            // the record that comes back is of this very file
            waitFor(thirdRecord);
            assertTrue(Files.isSameFile(thirdRecord, third), "a record of neither file");
        }

        // PostgreSQL marks them done: the records go, and with nothing ready the archiver exits.
        for (long n = 3; n <= 8; n++) {
            String name = TestStanza.segment(1, n);
            Files.move(walDir.resolve("archive_status/" + name + ".ready"), walDir.resolve("archive_status/" + name + ".done"));
        }
        assertTrue(run.get(60, TimeUnit.SECONDS), "the archiver ran, then exited when idle");
        assertEquals(List.of(), Spool.names(spool.pushDir()));
        String status = ArchiverDaemon.status(spool).orElseThrow();
        assertTrue(status.matches(".*\"last_pushed\":\"00000001000000000000000[3-8]\".*") && status.contains("\"queued\":0")
                && status.contains("\"last_failure\":null"), status);
        assertTrue(log.stream().anyMatch(l -> l.startsWith("idle for 3 s")), log.toString());
    }

    @Test
    void recoveryIsFetchedAheadAndWhatItPassedLeavesTheSpool() throws Exception {
        stanza.wal(1, 1, 20);
        // history files' marks: one a call could still be waiting on, and one that answers nothing any more
        Path fresh = spool.getDir().resolve("00000004.history.missing");
        Path stale = spool.getDir().resolve("00000003.history.missing");
        Files.writeString(fresh, "");
        Files.writeString(stale, "");
        Files.setLastModifiedTime(stale, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(120)));
        spool.writeRequested(TestStanza.segment(1, 5));
        CompletableFuture<Boolean> run = start(daemon(Duration.ofSeconds(2)));
        for (long n = 6; n <= 9; n++) {
            Path f = spool.getDir().resolve(TestStanza.segment(1, n));
            waitFor(f); // fetched in parallel: in any order
            assertArrayEquals(TestStanza.segmentBytes(stanza.cluster, 1, n), Files.readAllBytes(f));
        }
        assertFalse(Files.exists(spool.getDir().resolve(TestStanza.segment(1, 10))), "no further than get-ahead");
        spool.writeRequested(TestStanza.segment(1, 8));
        for (long n = 10; n <= 12; n++) {
            waitFor(spool.getDir().resolve(TestStanza.segment(1, n)));
        }
        assertTrue(gone(spool.getDir().resolve(TestStanza.segment(1, 6))), "passed: removed");
        assertTrue(gone(spool.getDir().resolve(TestStanza.segment(1, 7))), "passed: removed");
        assertTrue(gone(stale), "a history file's mark two minutes old: removed");
        assertTrue(Files.exists(fresh), "a fresh one stays");
        assertTrue(run.get(60, TimeUnit.SECONDS));
    }

    /**
     * Recovery asks again for a file a call took in the same clock tick (the marks' times are
     * equal): the mark answers only the call that made it, so the new request is fetched at once
     * instead of leaving the launcher to wait a second for an answer that never comes.
     */
    @Test
    void aTakeInTheSameTickAnswersOnlyTheCallThatMadeIt() throws Exception {
        stanza.wal(1, 1, 12); // what is fetched ahead is there: the archiver goes idle
        String asked = TestStanza.segment(1, 6);
        Path file = spool.getDir().resolve(asked);
        Path request = spool.getDir().resolve("requested");
        java.nio.file.attribute.FileTime tick = java.nio.file.attribute.FileTime.from(java.time.Instant.now());
        spool.writeRequested(asked, "4242");
        spool.recordTaken(asked, "4242");
        Files.setLastModifiedTime(request, tick);
        Files.setLastModifiedTime(spool.getDir().resolve(asked + ".taken"), tick);
        CompletableFuture<Boolean> run = start(daemon(Duration.ofSeconds(3)));
        Thread.sleep(500); // ten passes
        assertFalse(Files.exists(file), "taken by the call that asked: not fetched again");

        spool.writeRequested(asked, "4343"); // the next call, in the same tick
        Files.setLastModifiedTime(request, tick);
        waitFor(file);
        assertArrayEquals(TestStanza.segmentBytes(stanza.cluster, 1, 6), Files.readAllBytes(file));
        spool.recordTaken(asked, "4343");
        Files.delete(file);
        assertTrue(run.get(60, TimeUnit.SECONDS));
    }

    /**
     * A recovery that stopped asking (it ended, or its standby streams now) is not followed:
     * the files after its last request, which the repository lacks, are probed for only while
     * requests come, and the archiver then exits once idle. It used to probe them every second
     * for as long as it ran, each probe counting as work, so that it never went idle.
     */
    @Test
    void anArchiverStopsFollowingARecoveryThatNoLongerAsks() throws Exception {
        stanza.wal(1, 1, 6); // the last segment asked for; 7 and on never come
        spool.writeRequested(TestStanza.segment(1, 6));
        long started = System.nanoTime();
        CompletableFuture<Boolean> run = start(daemon(Duration.ofSeconds(2)));
        Path file = spool.getDir().resolve(TestStanza.segment(1, 6));
        waitFor(file);
        spool.recordTaken(TestStanza.segment(1, 6));
        Files.delete(file);
        assertTrue(run.get(30, TimeUnit.SECONDS));
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        // stale after idle-exit (2 s), then idle for idle-exit: about 4 s, never the 30 s limit
        assertTrue(seconds < 8, "exited after " + seconds + " s: " + log);
        assertTrue(log.contains("idle for 2 s: exiting"), log.toString());
    }

    /**
     * The file asked for is fetched itself (the launcher waits for it); once taken it is not
     * fetched again for the same request; a file the repository lacks is marked missing for the
     * call that asked, with a stamp the launcher's own test finds newer than the request, and a
     * mark from before the request, or made for another call, is not taken for an answer: the
     * archiver asks again.
     */
    @Test
    void theFileAskedForIsFetchedAndAMissingMarkIsNewerThanTheRequest() throws Exception {
        stanza.wal(1, 1, 6);
        CompletableFuture<Boolean> run = start(daemon(Duration.ofSeconds(3)));
        String asked = TestStanza.segment(1, 6);
        spool.writeRequested(asked);
        Path file = spool.getDir().resolve(asked);
        waitFor(file);
        assertArrayEquals(TestStanza.segmentBytes(stanza.cluster, 1, 6), Files.readAllBytes(file));
        spool.recordTaken(asked);
        Files.delete(file);
        Thread.sleep(500); // ten passes
        assertFalse(Files.exists(file), "taken: not fetched again for the same request");

        String absent = TestStanza.segment(1, 7);
        Path mark = spool.getDir().resolve(absent + ".missing");
        Files.writeString(mark, ""); // an earlier recovery's
        spool.writeRequested(absent);
        Path request = spool.getDir().resolve("requested");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!launcherTakes(mark, request) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(launcherTakes(mark, request), "the repository's answer, asked after the request");

        spool.writeRequested("00000002.history");
        Path history = spool.getDir().resolve("00000002.history");
        Path historyMark = spool.getDir().resolve("00000002.history.missing");
        while (!launcherTakes(historyMark, request) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(launcherTakes(historyMark, request), "a history file asked for is looked up too");
        assertFalse(Files.exists(history));

        // A mark newer than the request that names another call (made for a call before, its
        // clock ahead) is no answer: the file is looked up for this request, and its own mark says so.
        String other = TestStanza.segment(1, 8);
        Path foreign = spool.getDir().resolve(other + ".missing");
        Files.writeString(foreign, "1\n");
        Files.setLastModifiedTime(foreign, java.nio.file.attribute.FileTime.from(java.time.Instant.now().plusSeconds(3600)));
        spool.writeRequested(other);
        while (!launcherTakes(foreign, request) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(launcherTakes(foreign, request), "looked up for this call: " + Files.readString(foreign));
        assertTrue(run.get(60, TimeUnit.SECONDS));
    }

    /**
     * On a slow repository, recovery asks for a segment far into the window of fetches ahead:
     * it is fetched at once, and the fetches ahead of the segments it passed are dropped, not
     * made (in arrival order the call waited for 14 fetches of 0.5 s on two workers, 3.5 s).
     */
    @Test
    void aSegmentAskedForFarAheadIsFetchedAtOnceAndWhatRecoveryPassedIsNotFetched() throws Exception {
        Path root = Files.createDirectory(dir.resolve("slow-repo"));
        SlowWalReads store = new SlowWalReads(new FsBlobStore(root), Duration.ofMillis(500));
        try (TestStanza slow = new TestStanza(root, store, CodecSpec.DEFAULT)) {
            slow.wal(1, 1, 40); // past the window after segment 16: nothing stays missing, so it goes idle
            Spool slowSpool = Spool.of(dir.resolve("slow-spool"), "main", slow.repo.describe()).create();
            slowSpool.writeRequested(TestStanza.segment(1, 1));
            // push-max 1: two fetch workers; get-ahead 16: segments 2-17 queued
            CompletableFuture<Boolean> run = start(new ArchiverDaemon(slow.repo, slow.layout, slowSpool, 1, 16,
                    Duration.ofSeconds(2), Clock.systemUTC(), log::add));
            waitFor(slowSpool.getDir().resolve(TestStanza.segment(1, 17) + ".pending"));
            long asked = System.nanoTime();
            slowSpool.writeRequested(TestStanza.segment(1, 16));
            Path file = slowSpool.getDir().resolve(TestStanza.segment(1, 16));
            waitFor(file);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked);
            assertTrue(tookMs < 2500, "the asked segment was fetched after " + tookMs + " ms");
            assertArrayEquals(TestStanza.segmentBytes(slow.cluster, 1, 16), Files.readAllBytes(file));
            store.speedUp(); // the rest of the queue at once: the archiver goes idle and exits
            assertTrue(run.get(60, TimeUnit.SECONDS));
            for (long n = 10; n <= 15; n++) {
                assertFalse(store.wasRead(TestStanza.segment(1, n)), "recovery had passed segment " + n
                        + " while its fetch ahead waited: dropped, not fetched");
            }
            assertTrue(store.wasRead(TestStanza.segment(1, 32)), "the new window was fetched");
            assertEquals(List.of(), Spool.names(slowSpool.getDir()).stream().filter(f -> f.endsWith(".pending")).toList());
        }
    }

    /**
     * The history file recovery probes for is also fetched ahead, queued after the window's
     * segments; asked for while it still waits there, it goes first: on a slow repository its
     * answer ("not in the archive", newer than the request) comes after about one segment read,
     * not after the 16 queued before it (0.5 s each on two workers: 4 s).
     */
    @Test
    void aHistoryFileAskedForWhileItWaitsBehindTheFetchesAheadIsAnsweredFirst() throws Exception {
        Path root = Files.createDirectory(dir.resolve("slow-repo"));
        SlowWalReads store = new SlowWalReads(new FsBlobStore(root), Duration.ofMillis(500));
        try (TestStanza slow = new TestStanza(root, store, CodecSpec.DEFAULT)) {
            slow.wal(1, 1, 20);
            Spool slowSpool = Spool.of(dir.resolve("slow-spool"), "main", slow.repo.describe()).create();
            slowSpool.writeRequested(TestStanza.segment(1, 1));
            CompletableFuture<Boolean> run = start(new ArchiverDaemon(slow.repo, slow.layout, slowSpool, 1, 16,
                    Duration.ofSeconds(2), Clock.systemUTC(), log::add));
            Path history = slowSpool.getDir().resolve("00000002.history");
            waitFor(slowSpool.getDir().resolve("00000002.history.pending"));
            long asked = System.nanoTime();
            slowSpool.writeRequested("00000002.history");
            Path request = slowSpool.getDir().resolve("requested");
            Path mark = slowSpool.getDir().resolve("00000002.history.missing");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!launcherTakes(mark, request) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked);
            assertTrue(launcherTakes(mark, request), "the repository's answer, asked after the request");
            assertTrue(tookMs < 2000, "the asked history file was answered after " + tookMs + " ms");
            assertFalse(Files.exists(history));
            store.speedUp();
            assertTrue(run.get(60, TimeUnit.SECONDS));
        }
    }

    /** The launcher's own test of a missing mark: newer than the request, naming this process (the caller). */
    private static boolean launcherTakes(Path mark, Path request) throws Exception {
        Process p = new ProcessBuilder("sh", "-c",
                "[ -f \"$1\" ] && [ \"$1\" -nt \"$2\" ] && read -r by < \"$1\" && [ \"$by\" = \"$3\" ]", "sh",
                mark.toString(), request.toString(), Long.toString(ProcessHandle.current().pid())).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return p.exitValue() == 0;
    }

    /** Timeline 2 branched from 1 in segment 7: recovery reads 7 onwards from timeline 2, as PostgreSQL would. */
    @Test
    void fetchingAheadFollowsTheNewestTimelinesHistory() throws Exception {
        stanza.wal(1, 1, 9);
        stanza.wal(2, 7, 12);
        stanza.repo.put(stanza.layout.walPrefix() + "00000002.history", dev.pgvault.storage.BlobWriter.of(
                "1\t0/740000\tno recovery target specified\n".getBytes(StandardCharsets.UTF_8)));
        spool.writeRequested(TestStanza.segment(1, 5));
        CompletableFuture<Boolean> run = start(daemon(Duration.ofSeconds(2)));
        // fetched in parallel: in any order
        waitFor(spool.getDir().resolve(TestStanza.segment(2, 9)));
        waitFor(spool.getDir().resolve(TestStanza.segment(1, 6)));
        waitFor(spool.getDir().resolve(TestStanza.segment(2, 7)));
        waitFor(spool.getDir().resolve(TestStanza.segment(2, 8)));
        assertFalse(Files.exists(spool.getDir().resolve(TestStanza.segment(1, 7))));
        assertTrue(run.get(60, TimeUnit.SECONDS));
        assertEquals(WalFileName.parse(TestStanza.segment(1, 5)), spool.request().orElseThrow().name());
    }

    /** The record's inode, or null while the archiver is between dropping a record and writing the next. */
    private static Object fileKey(Path record) throws IOException {
        try {
            return Files.readAttributes(record, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }

    private static boolean gone(Path file) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (Files.exists(file) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return !Files.exists(file);
    }

    private static void waitFor(Path file) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(file) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(file), file + " never appeared");
    }
}
