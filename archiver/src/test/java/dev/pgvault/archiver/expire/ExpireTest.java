package dev.pgvault.archiver.expire;

import static dev.pgvault.archiver.verify.TestStanza.segment;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.backup.BackupId;
import dev.pgvault.archiver.backup.BackupPins;
import dev.pgvault.archiver.backup.BackupType;
import dev.pgvault.archiver.backup.NoSuchBackupException;
import dev.pgvault.archiver.verify.ForwardingBlobStore;
import dev.pgvault.archiver.verify.Problem;
import dev.pgvault.archiver.verify.Severity;
import dev.pgvault.archiver.verify.TestStanza;
import dev.pgvault.archiver.verify.VerifyReport;
import dev.pgvault.storage.BlobInfo;
import dev.pgvault.storage.BlobStore;
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.StorageException;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.CorruptObjectException;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Expire on a filesystem repository of hand-made backups and WAL: what it removes, in which
 * order, what a dry run leaves, and what an expire stopped at any deletion leaves behind.
 */
class ExpireTest {
    private static final Instant DAY0 = Instant.parse("2026-11-01T02:00:00Z");

    @TempDir
    Path dir;

    TestStanza stanza;
    final List<String> ids = new ArrayList<>();

    @BeforeEach
    void fiveNightlyBackups() throws IOException {
        stanza = new TestStanza(dir, CodecSpec.DEFAULT);
        for (int d = 0; d < 5; d++) {
            String id = BackupId.of(DAY0.plus(Duration.ofDays(d)), BackupType.FULL);
            stanza.typicalBackup(id, 10L * d + 2, 10L * d + 3).at(DAY0.plus(Duration.ofDays(d))).write();
            ids.add(id);
        }
        stanza.wal(1, 1, 45);
    }

    @AfterEach
    void close() throws IOException {
        stanza.close();
    }

    private static Clock at(Instant t) {
        return Clock.fixed(t, ZoneOffset.UTC);
    }

    private static RetentionPolicy full(int n) {
        return new RetentionPolicy(OptionalInt.of(n), Optional.empty());
    }

    private ExpireReport expire(EncodedStore repo, RetentionPolicy policy, boolean dryRun, Instant now) throws IOException {
        return new Expire(repo, stanza.layout, new ExpireOptions(policy, Duration.ofHours(6), dryRun, at(now))).run();
    }

    private ExpireReport expire(RetentionPolicy policy, boolean dryRun) throws IOException {
        return expire(stanza.repo, policy, dryRun, DAY0.plus(Duration.ofDays(5)));
    }

    /** Every key with its size and time, to compare a repository before and after. */
    private TreeMap<String, String> listing() throws IOException {
        TreeMap<String, String> out = new TreeMap<>();
        try (Stream<BlobInfo> s = stanza.repo.blobs().list("main/")) {
            s.forEach(b -> out.put(b.key(), b.size() + "@" + b.lastModified()));
        }
        return out;
    }

    private List<String> walSegments() throws IOException {
        try (Stream<BlobInfo> s = stanza.repo.blobs().list(stanza.layout.walPrefix())) {
            return s.map(b -> b.key().substring(b.key().lastIndexOf('/') + 1)).sorted().toList();
        }
    }

    private static List<String> segments(long from, long to) {
        List<String> out = new ArrayList<>();
        for (long n = from; n <= to; n++) {
            out.add(segment(1, n));
        }
        return out;
    }

    private List<String> backups() throws IOException {
        return new dev.pgvault.archiver.backup.BackupCatalog(stanza.repo, stanza.layout).completeIds();
    }

    @Test
    void aDryRunNamesWhatWouldGoAndChangesNoObject() throws IOException {
        TreeMap<String, String> before = listing();
        ExpireReport r = expire(full(2), true);
        assertEquals(ids.subList(0, 3), r.expired().stream().map(e -> e.verdict().backup().id()).toList());
        assertEquals("beyond retention full=2", r.expired().get(0).verdict().reason());
        assertEquals(List.of(new ExpireReport.WalRange(1, segment(1, 1), segment(1, 31), 31,
                r.wal().get(0).storedBytes())), r.wal());
        assertTrue(r.bytesFreed() > 0);
        assertEquals(before, listing());
    }

    @Test
    void expireRemovesTheBackupsBeyondRetentionAndTheWalNoKeptBackupNeeds() throws IOException {
        ExpireReport r = expire(full(2), false);
        assertEquals(3, r.expired().size());
        assertEquals(ids.subList(3, 5), backups());
        assertEquals(segments(32, 45), walSegments());
        try (Stream<BlobInfo> s = stanza.repo.blobs().list(stanza.layout.backupPrefix())) {
            assertTrue(s.noneMatch(b -> ids.subList(0, 3).stream().anyMatch(id -> b.key().contains(id))),
                    "no object of an expired backup is left");
        }
        VerifyReport v = stanza.verify();
        assertTrue(v.problems().isEmpty(), () -> v.problems().toString());
        assertEquals(0, expire(full(2), false).bytesFreed(), "a second expire has nothing to do");
    }

    @Test
    void aPinnedBackupStaysWithItsOwnWalAndVerifyCallsTheMissingWalAfterItInformation() throws IOException {
        BackupPins pins = new BackupPins(stanza.repo, stanza.layout);
        assertTrue(pins.pin(ids.get(0), DAY0));
        assertFalse(pins.pin(ids.get(0), DAY0), "already pinned");
        expire(full(2), false);
        assertEquals(List.of(ids.get(0), ids.get(3), ids.get(4)), backups());
        List<String> expected = new ArrayList<>(segments(2, 3));
        expected.addAll(segments(32, 45));
        assertEquals(expected, walSegments());

        VerifyReport v = stanza.verify();
        assertTrue(v.ok(), () -> v.problems().toString());
        Problem p = v.problems().get(0);
        assertEquals(Severity.INFO, p.severity());
        assertEquals(List.of(ids.get(0)), p.backups());
        assertTrue(p.line().startsWith("info: backup " + ids.get(0) + " is pinned and restores to its end"), p.line());

        assertTrue(pins.release(ids.get(0)));
        assertFalse(pins.release(ids.get(0)));
        expire(full(2), false);
        assertEquals(ids.subList(3, 5), backups());
        assertEquals(segments(32, 45), walSegments());
    }

    @Test
    void pinningAnUnknownBackupIsRefusedAndWritesNothing() throws IOException {
        TreeMap<String, String> before = listing();
        BackupPins pins = new BackupPins(stanza.repo, stanza.layout);
        for (String bad : List.of("20201231-000000F", "nope", "../../etc", ids.get(0) + "x")) {
            NoSuchBackupException e = assertThrows(NoSuchBackupException.class, () -> pins.pin(bad, DAY0));
            assertTrue(e.getMessage().startsWith("no backup '"), e.getMessage());
        }
        assertEquals(before, listing());
    }

    /** A window of two days, judged at day 4.5: backups 3 and 4 stopped inside it, 2 restores to its start. */
    @Test
    void aWindowKeepsWhatRestoresToEveryMomentOfIt() throws IOException {
        RetentionPolicy window = new RetentionPolicy(OptionalInt.empty(), Optional.of(Duration.ofDays(2)));
        ExpireReport r = expire(stanza.repo, window, false, DAY0.plus(Duration.ofHours(4 * 24 + 12)));
        assertEquals(ids.subList(0, 2), r.expired().stream().map(e -> e.verdict().backup().id()).toList());
        assertEquals(ids.subList(2, 5), backups());
        assertEquals(segments(22, 45), walSegments());
    }

    @Test
    void withNoRetentionOnlyTheGarbageOfKilledBackupsGoesAndYoungGarbageIsLeft() throws IOException {
        String old = "20261103-120000F";
        String young = "20261105-000000F";
        stanza.repo.put(stanza.layout.backupDir(old) + "bundle/1", BlobWriter.of(new byte[100]));
        stanza.repo.put(stanza.layout.backupDir(young) + "bundle/1", BlobWriter.of(new byte[100]));
        Path oldFile = dir.resolve(stanza.layout.backupDir(old) + "bundle/1");
        Files.setLastModifiedTime(oldFile, java.nio.file.attribute.FileTime.from(Instant.parse("2026-11-03T12:05:00Z")));
        Path youngFile = dir.resolve(stanza.layout.backupDir(young) + "bundle/1");
        Files.setLastModifiedTime(youngFile, java.nio.file.attribute.FileTime.from(Instant.parse("2026-11-05T01:30:00Z")));

        // now: 2026-11-05 02:00; the young one was written to 30 minutes ago: a backup that may be
        // running on another host
        ExpireReport r = expire(stanza.repo, RetentionPolicy.NONE, false, Instant.parse("2026-11-05T02:00:00Z"));
        assertEquals(List.of(), r.expired());
        assertEquals(List.of(), r.wal());
        assertEquals(List.of(old), r.garbage().stream().map(ExpireReport.Garbage::id).toList());
        assertEquals(List.of(young), r.garbageLeft().stream().map(ExpireReport.Garbage::id).toList());
        assertFalse(Files.exists(oldFile));
        assertTrue(Files.exists(youngFile));

        ExpireReport later = expire(stanza.repo, RetentionPolicy.NONE, false, Instant.parse("2026-11-05T07:31:00Z"));
        assertEquals(List.of(young), later.garbage().stream().map(ExpireReport.Garbage::id).toList());
        assertFalse(Files.exists(youngFile));
        assertEquals(ids, backups());
        assertEquals(segments(1, 45), walSegments());
    }

    @Test
    void aManifestThatCannotBeReadStopsExpireBeforeAnythingIsRemoved() throws IOException {
        Path manifest = dir.resolve(stanza.layout.manifestKey(ids.get(4)));
        byte[] b = Files.readAllBytes(manifest);
        b[b.length / 2] ^= 0x10;
        Files.write(manifest, b);
        TreeMap<String, String> before = listing();
        CorruptObjectException e = assertThrows(CorruptObjectException.class, () -> expire(full(1), false));
        assertTrue(e.getMessage().startsWith("cannot read the manifest of backup " + ids.get(4)), e.getMessage());
        assertTrue(e.getMessage().endsWith("expire removed nothing; run 'pgvault verify'"), e.getMessage());
        assertEquals(before, listing());
    }

    /**
     * An expire stopped after any number of deletions (as by kill -9) leaves a repository that
     * verify passes (warnings allowed), and the next expire finishes the work: the end state is
     * that of an expire never interrupted.
     */
    @Test
    void anExpireStoppedAtAnyDeletionLeavesAVerifiableRepositoryThatTheNextExpireFinishes() throws IOException {
        Path clean = Files.createDirectory(dir.resolve("reference"));
        copyTree(dir.resolve("main"), clean.resolve("main"));
        // the objects were written moments ago: judge them hours later, as a nightly expire would
        Instant now = Instant.now().plus(Duration.ofHours(7));
        TreeMap<String, String> expected;
        try (EncodedStore reference = new EncodedStore(new dev.pgvault.storage.fs.FsBlobStore(clean), CodecSpec.DEFAULT)) {
            expire(reference, full(2), false, now);
            expected = keys(reference.blobs());
        }
        int total = listing().size() - expected.size();
        assertTrue(total > 30, "deletions: " + total);
        for (int stopAfter : new int[] {0, 1, 2, 3, 5, 8, 13, 21, total / 2, total - 2, total - 1}) {
            Path copy = Files.createDirectory(dir.resolve("kill-" + stopAfter));
            copyTree(dir.resolve("main"), copy.resolve("main"));
            try (EncodedStore failing = new EncodedStore(new StopsAfter(new dev.pgvault.storage.fs.FsBlobStore(copy), stopAfter),
                    CodecSpec.DEFAULT)) {
                assertThrows(StorageException.class, () -> expire(failing, full(2), false, now));
            }
            try (EncodedStore after = new EncodedStore(new dev.pgvault.storage.fs.FsBlobStore(copy), CodecSpec.DEFAULT)) {
                VerifyReport v = new dev.pgvault.archiver.verify.Verifier(after, stanza.layout, 2).run();
                assertTrue(v.ok(), "stopped after " + stopAfter + ": " + v.problems());
                // what an interrupted expire leaves was written as long ago as its backup: collected at once
                expire(after, full(2), false, now);
                assertEquals(expected, keys(after.blobs()), "stopped after " + stopAfter);
            }
        }
    }

    private static TreeMap<String, String> keys(BlobStore store) throws IOException {
        TreeMap<String, String> out = new TreeMap<>();
        try (Stream<BlobInfo> s = store.list("")) {
            s.forEach(b -> out.put(b.key(), String.valueOf(b.size())));
        }
        return out;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /** A store whose deletions fail once {@code limit} keys have been deleted: an expire killed there. */
    private static final class StopsAfter extends ForwardingBlobStore {
        private final int limit;
        private final AtomicInteger deleted = new AtomicInteger();

        StopsAfter(BlobStore store, int limit) {
            super(store);
            this.limit = limit;
        }

        @Override
        public void delete(String key) throws IOException {
            if (deleted.getAndIncrement() >= limit) {
                throw new StorageException("stopped after " + limit + " deletions");
            }
            store.delete(key);
        }

        @Override
        public void deleteAll(Collection<String> keys) throws IOException {
            for (String k : keys) {
                delete(k);
            }
        }
    }
}
