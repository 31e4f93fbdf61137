package dev.pgvault.archiver.verify;

import dev.pgvault.archiver.wal.WalSegmentHeader;

import static dev.pgvault.archiver.verify.TestStanza.segment;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaNotInitializedException;
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.codec.CipherKey;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.Compression;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.codec.WrongKeyException;
import dev.pgvault.storage.fs.FsBlobStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Verify against a filesystem repository holding backups written by hand, then damaged. */
class VerifierTest {
    private static final String ID = "20261126-031500F";

    @TempDir
    Path dir;

    TestStanza stanza;

    @BeforeEach
    void open() throws IOException {
        stanza = new TestStanza(dir, CodecSpec.DEFAULT);
    }

    @AfterEach
    void close() throws IOException {
        stanza.close();
    }

    private static Problem only(VerifyReport r) {
        assertEquals(1, r.problems().size(), () -> lines(r));
        return r.problems().get(0);
    }

    private static String lines(VerifyReport r) {
        return String.join("\n", r.problems().stream().map(Problem::line).toList());
    }

    @Test
    void aCleanRepositoryVerifiesWithNoProblems() throws IOException {
        stanza.typicalBackup(ID, 2, 3).write();
        stanza.typicalBackup("20261126-041500F", 5, 5).write();
        stanza.wal(1, 1, 7);
        stanza.repo.put(stanza.layout.walPrefix() + "00000002.history", BlobWriter.of("1\t0/5000000\tno recovery target\n".getBytes(UTF_8)));

        VerifyReport r = stanza.verify();

        assertEquals(List.of(), r.problems(), () -> lines(r));
        assertTrue(r.ok());
        assertEquals(2, r.backups());
        assertEquals(4, r.objects()); // per backup: the file alone and one bundle; the empty file has none
        assertEquals(8, r.walFiles());
        assertTrue(r.bytesRead() > 0);
    }

    @Test
    void aFlippedByteInABundleNamesTheObjectAndItsFiles() throws IOException {
        TestStanza.Backup b = stanza.typicalBackup(ID, 2, 3);
        b.write();
        stanza.wal(1, 2, 3);
        stanza.flipByte(b.key("bundle/1"));

        VerifyReport r = stanza.verify();

        Problem p = only(r);
        assertFalse(r.ok());
        assertEquals(ProblemKind.CORRUPT_OBJECT, p.kind());
        assertEquals(Severity.ERROR, p.severity());
        assertEquals(List.of(ID), p.backups());
        assertEquals("main/backup/" + ID + "/bundle/1", p.objectKey());
        assertEquals(List.of("PG_VERSION", "global/pg_control", "postgresql.auto.conf"), p.files());
        assertTrue(p.line().startsWith("error: backup " + ID + ": object main/backup/" + ID + "/bundle/1 is corrupt: "), p.line());
        assertTrue(p.line().contains("global/pg_control"), p.line());
    }

    @Test
    void aFlippedByteInAFileAloneNamesIt() throws IOException {
        TestStanza.Backup b = stanza.typicalBackup(ID, 2, 3);
        b.write();
        stanza.wal(1, 2, 3);
        stanza.flipByte(b.key("data/base/5/16384"));

        Problem p = only(stanza.verify());
        assertEquals(ProblemKind.CORRUPT_OBJECT, p.kind());
        assertEquals(List.of("base/5/16384"), p.files());
    }

    @Test
    void anObjectAnIncrementalNeedsFromItsParentIsReportedUnderBothWhenMissingAndTheParentWhenGone() throws IOException {
        dev.pgvault.archiver.backup.Manifest full = stanza.typicalBackup(ID, 2, 3).write();
        String incrId = "20261126-041500I";
        java.util.function.Function<String, dev.pgvault.archiver.backup.FileEntry> inFull = path -> full.files().stream()
                .filter(f -> f.path().equals(path)).findFirst().orElseThrow().inheritedFrom(ID, 1_790_000_001L, 0600);
        stanza.backup(incrId, 4, 5).at(java.time.Instant.parse("2026-11-26T04:15:00Z"))
                .on(ID, dev.pgvault.archiver.backup.BackupType.INCR)
                .inherit(inFull.apply("PG_VERSION"))
                .paged("base/5/16384", inFull.apply("base/5/16384"), new byte[8192], List.of(3L))
                .write();
        stanza.wal(1, 2, 5);
        VerifyReport clean = stanza.verify();
        assertEquals(List.of(), clean.problems(), () -> lines(clean));

        stanza.delete(stanza.layout.backupDir(ID) + "data/base/5/16384");
        VerifyReport r = stanza.verify();
        assertEquals(2, r.problems().size(), () -> lines(r));
        assertEquals(ProblemKind.MISSING_OBJECT, r.problems().get(0).kind(), () -> lines(r));
        Problem needed = r.problems().get(1);
        assertEquals(ProblemKind.CHAIN_OBJECT_MISSING, needed.kind());
        assertEquals(List.of(incrId), needed.backups());
        assertEquals(List.of("base/5/16384"), needed.files());
        assertEquals("error: backup " + incrId + ": needs object main/backup/" + ID + "/data/base/5/16384 of backup " + ID
                + ", which is missing or damaged (see that backup's error): it cannot be restored (file: base/5/16384)",
                needed.line());

        stanza.delete(stanza.layout.manifestKey(ID));
        VerifyReport gone = stanza.verify();
        assertTrue(gone.problems().stream().anyMatch(p -> p.kind() == ProblemKind.CHAIN_OBJECT_MISSING
                && p.line().equals("error: backup " + incrId + ": needs backup " + ID + ", which is not in the repository:"
                        + " it cannot be restored (files: PG_VERSION, base/5/16384)")), () -> lines(gone));
    }

    @Test
    void aDeletedObjectIsReportedMissing() throws IOException {
        TestStanza.Backup b = stanza.typicalBackup(ID, 2, 3);
        b.write();
        stanza.wal(1, 2, 3);
        stanza.delete(b.key("data/base/5/16384"));

        Problem p = only(stanza.verify());
        assertEquals(ProblemKind.MISSING_OBJECT, p.kind());
        assertEquals(b.key("data/base/5/16384"), p.objectKey());
        assertEquals(List.of("base/5/16384"), p.files());
        assertEquals("error: backup " + ID + ": object main/backup/" + ID
                + "/data/base/5/16384 is missing from the repository (file: base/5/16384)", p.line());
    }

    @Test
    void aFileChecksumMismatchInsideABundleNamesThatFileOnly() throws IOException {
        stanza.typicalBackup(ID, 2, 3).lieAbout("global/pg_control", "00".repeat(32)).write();
        stanza.wal(1, 2, 3);

        Problem p = only(stanza.verify());
        assertEquals(ProblemKind.FILE_CHECKSUM_MISMATCH, p.kind());
        assertEquals(List.of("global/pg_control"), p.files());
        assertEquals("main/backup/" + ID + "/bundle/1", p.objectKey());
        assertTrue(p.line().contains("the manifest says " + "00".repeat(32)), p.line());
    }

    @Test
    void aChecksumMismatchOfAFileAloneAndOfAnEmptyFileAreNamed() throws IOException {
        stanza.typicalBackup(ID, 2, 3).lieAbout("base/5/16384", "11".repeat(32))
                .lieAbout("base/5/pg_internal.init", "22".repeat(32)).write();
        stanza.wal(1, 2, 3);

        VerifyReport r = stanza.verify();
        assertEquals(2, r.problems().size(), () -> lines(r));
        for (Problem p : r.problems()) {
            assertEquals(ProblemKind.FILE_CHECKSUM_MISMATCH, p.kind());
        }
        assertEquals(List.of("base/5/16384"), r.problems().get(1).files(), () -> lines(r));
        assertEquals(List.of("base/5/pg_internal.init"), r.problems().get(0).files(), () -> lines(r));
    }

    @Test
    void aManifestThatDisagreesWithItsObjectIsReported() throws IOException {
        TestStanza.Backup b = stanza.typicalBackup(ID, 2, 3);
        b.write();
        stanza.wal(1, 2, 3);
        // Replace the object with another, valid one: it decodes, but not to what the manifest says.
        stanza.repo.put(b.key("bundle/1"), BlobWriter.of("something else".getBytes(UTF_8)));

        VerifyReport r = stanza.verify();
        assertTrue(r.problems().stream().anyMatch(p -> p.kind() == ProblemKind.OBJECT_MISMATCH
                && p.objectKey().equals(b.key("bundle/1"))), () -> lines(r));
        assertTrue(r.problems().stream().anyMatch(p -> p.kind() == ProblemKind.STORED_SIZE_MISMATCH), () -> lines(r));
        assertTrue(r.problems().stream().anyMatch(p -> p.kind() == ProblemKind.FILE_CHECKSUM_MISMATCH
                && p.files().equals(List.of("global/pg_control")) && p.message().contains("past the end")), () -> lines(r));
    }

    @Test
    void aSegmentMissingBetweenStartAndStopMakesTheBackupUnrestorable() throws IOException {
        stanza.typicalBackup(ID, 2, 5).write();
        stanza.wal(1, 1, 7);
        stanza.delete(stanza.walKey(segment(1, 3)));
        stanza.delete(stanza.walKey(segment(1, 4)));

        Problem p = only(stanza.verify());
        assertEquals(ProblemKind.BACKUP_WAL_MISSING, p.kind());
        assertEquals(List.of(ID), p.backups());
        assertEquals(List.of(segment(1, 3), segment(1, 4)), p.walFiles());
        assertTrue(p.line().startsWith("error: backup " + ID + " is not restorable"), p.line());
        assertTrue(p.line().contains(segment(1, 3) + ".." + segment(1, 4) + " (2 segments)"), p.line());
    }

    @Test
    void aGapAfterBackupsIsReportedWithTheFirstMissingSegmentAndTheBackupsAffected() throws IOException {
        stanza.typicalBackup("20261126-010000F", 2, 2).write();
        stanza.typicalBackup("20261126-020000F", 3, 3).write();
        stanza.typicalBackup("20261126-030000F", 7, 7).write();
        stanza.wal(1, 1, 8);
        stanza.delete(stanza.walKey(segment(1, 5)));
        stanza.delete(stanza.walKey(segment(1, 6)));

        Problem p = only(stanza.verify());
        assertEquals(ProblemKind.WAL_GAP, p.kind());
        assertEquals(List.of(segment(1, 5)), p.walFiles());
        assertEquals(List.of("20261126-010000F", "20261126-020000F"), p.backups());
        assertTrue(p.line().contains("segment " + segment(1, 5) + " is missing"), p.line());
    }

    @Test
    void aCorruptSegmentIsNamedAndBreaksTheBackupsThatNeedIt() throws IOException {
        stanza.typicalBackup(ID, 3, 5).write();
        stanza.wal(1, 3, 5);
        stanza.flipByte(stanza.walKey(segment(1, 4)));

        VerifyReport r = stanza.verify();
        assertEquals(2, r.problems().size(), () -> lines(r));
        Problem corrupt = r.problems().get(0);
        assertEquals(ProblemKind.CORRUPT_WAL, corrupt.kind());
        assertEquals(List.of(segment(1, 4)), corrupt.walFiles());
        assertTrue(corrupt.line().contains("WAL file " + segment(1, 4)), corrupt.line());
        Problem unrestorable = r.problems().get(1);
        assertEquals(ProblemKind.BACKUP_WAL_MISSING, unrestorable.kind());
        assertTrue(unrestorable.line().contains("corrupt: " + segment(1, 4)), unrestorable.line());
    }

    @Test
    void anIncompleteBackupIsAWarningOnly() throws IOException {
        stanza.typicalBackup(ID, 2, 3).write();
        stanza.typicalBackup("20261127-031500F", 4, 4); // objects stored, manifest never written
        stanza.wal(1, 2, 4);

        VerifyReport r = stanza.verify();
        Problem p = only(r);
        assertEquals(ProblemKind.INCOMPLETE_BACKUP, p.kind());
        assertEquals(Severity.WARNING, p.severity());
        assertEquals(List.of("20261127-031500F"), p.backups());
        assertTrue(p.line().startsWith("warning: backup 20261127-031500F is incomplete"), p.line());
        assertTrue(r.ok());
        assertEquals(1, r.backups());
    }

    @Test
    void onlySegmentsOfTheBackupsTimelineCount() throws IOException {
        stanza.typicalBackup(ID, 2, 3).write();
        stanza.wal(1, 1, 5); // timeline 1 ends at 5: the primary was promoted there ...
        stanza.wal(2, 5, 9); // ... and timeline 2 goes on
        stanza.repo.put(stanza.layout.walPrefix() + "00000002.history", BlobWriter.of("1\t0/A000000\tno recovery target\n".getBytes(UTF_8)));

        VerifyReport r = stanza.verify();
        assertEquals(List.of(), r.problems(), () -> lines(r));
        assertEquals(11, r.walFiles());
    }

    /** Found by CorruptionTrialsTest: timeline 2's WAL without its history file passed verify. */
    @Test
    void aLaterTimelineWithoutItsHistoryFileIsNamed() throws IOException {
        stanza.typicalBackup(ID, 2, 3).write();
        stanza.wal(1, 1, 7);
        stanza.wal(2, 7, 9);

        Problem p = only(stanza.verify());
        assertEquals(Severity.ERROR, p.severity());
        assertEquals(List.of("00000002.history"), p.walFiles());
        assertTrue(p.line().contains("timeline 2 has archived WAL (" + segment(2, 7) + " to " + segment(2, 9)
                + ") but its history file 00000002.history is missing"), p.line());
    }

    /** Found by CorruptionTrialsTest: the first segment of a later timeline deleted passed verify. */
    @Test
    void aHoleInALaterTimelineIsAGapForTheBackupsTakenBeforeItsSwitch() throws IOException {
        stanza.typicalBackup(ID, 2, 3).write();
        stanza.typicalBackup("20261126-041500F", 8, 8).write(); // on timeline 1, after the switch: not affected
        stanza.wal(1, 1, 8);
        stanza.wal(2, 8, 9); // segment 7 of timeline 2, where it begins, is missing
        stanza.repo.put(stanza.layout.walPrefix() + "00000002.history", BlobWriter.of("1\t0/780000\tno recovery target\n".getBytes(UTF_8)));

        Problem p = only(stanza.verify());
        assertEquals(ProblemKind.WAL_GAP, p.kind());
        assertEquals(List.of(segment(2, 7)), p.walFiles());
        assertEquals(List.of(ID), p.backups());
        assertTrue(p.line().startsWith("error: WAL gap on timeline 2: segment " + segment(2, 7) + " is missing"), p.line());
    }

    /** Only a recovery from an earlier timeline needs the history: a backup on timeline 2 restores without it. */
    @Test
    void aMissingHistoryNoBackupNeedsIsAWarning() throws IOException {
        stanza.backup(ID, 2, 8, 8).bundle(java.util.Map.of("PG_VERSION", "15\n".getBytes(UTF_8))).write();
        stanza.wal(2, 7, 9);

        VerifyReport r = stanza.verify();
        Problem p = only(r);
        assertEquals(Severity.WARNING, p.severity());
        assertEquals(List.of("00000002.history"), p.walFiles());
        assertTrue(r.ok());
    }

    /** expire keeps only a pinned backup's own WAL, so the later timeline's start may be gone: information. */
    @Test
    void aHoleInALaterTimelineAfterAPinnedBackupIsInformation() throws IOException {
        stanza.typicalBackup(ID, 2, 3).write();
        stanza.repo.put(stanza.layout.keepKey(ID), BlobWriter.of("{}".getBytes(UTF_8)));
        stanza.wal(1, 2, 3);
        stanza.wal(2, 9, 9);
        stanza.repo.put(stanza.layout.walPrefix() + "00000002.history", BlobWriter.of("1\t0/780000\tno recovery target\n".getBytes(UTF_8)));

        VerifyReport r = stanza.verify();
        assertTrue(r.ok(), () -> lines(r));
        assertTrue(r.problems().stream().anyMatch(p -> p.severity() == Severity.INFO && p.kind() == ProblemKind.WAL_GAP
                && p.walFiles().equals(List.of(segment(2, 7)))), () -> lines(r));
    }

    /** A switch exactly at a segment's start: the new timeline begins in that segment, as in PostgreSQL. */
    @Test
    void aSwitchOnASegmentBoundaryNeedsTheSegmentThatStartsThere() throws IOException {
        stanza.typicalBackup(ID, 2, 3).write();
        stanza.wal(1, 1, 6);
        stanza.repo.put(stanza.layout.walPrefix() + "00000002.history", BlobWriter.of("1\t0/700000\tno recovery target\n".getBytes(UTF_8)));
        stanza.wal(2, 8, 9);
        Problem p = only(stanza.verify());
        assertEquals(List.of(segment(2, 7)), p.walFiles());
        stanza.wal(2, 7, 7);
        VerifyReport whole = stanza.verify();
        assertEquals(List.of(), whole.problems(), () -> lines(whole));
    }

    /** Found by CorruptionTrialsTest: a damaged cluster.json stopped verify with a message that named no object. */
    @Test
    void aDamagedStanzaRecordIsNamed() throws IOException {
        stanza.flipByte(stanza.layout.clusterKey());
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, stanza::verify);
        assertTrue(e.getMessage().startsWith("stanza record main/cluster.json is damaged: "), e.getMessage());
    }

    /** The reliability trial's finding: intact segments under each other's names passed verify. */
    @Test
    void twoSegmentsSwappedAreEachNamedAndBreakRecoveryPastThem() throws IOException {
        stanza.typicalBackup(ID, 2, 3).write();
        stanza.wal(1, 2, 6);
        stanza.swap(stanza.walKey(segment(1, 4)), stanza.walKey(segment(1, 5)));

        VerifyReport r = stanza.verify();
        assertFalse(r.ok());
        for (long n : new long[] {4, 5}) {
            assertTrue(r.problems().stream().anyMatch(p -> p.kind() == ProblemKind.CORRUPT_WAL
                    && p.walFiles().equals(List.of(segment(1, n))) && p.message().contains("moved or swapped")), () -> lines(r));
        }
        assertTrue(r.problems().stream().anyMatch(p -> p.kind() == ProblemKind.WAL_GAP
                && p.walFiles().equals(List.of(segment(1, 4)))), () -> lines(r));
    }

    /** Objects written before format 2 name no key: the segment's own page header still tells. */
    @Test
    void aFormatOneSegmentHoldingAnotherPositionIsNamed() throws IOException {
        stanza.typicalBackup(ID, 2, 3).write();
        stanza.wal(1, 2, 4);
        stanza.walUnbound(segment(1, 5), TestStanza.segmentBytes(stanza.cluster, 1, 7));
        stanza.walUnbound(segment(1, 6), TestStanza.segmentBytes(stanza.cluster, 1, 6));

        VerifyReport r = stanza.verify();
        assertEquals(2, r.problems().size(), () -> lines(r));
        Problem p = r.problems().get(0);
        assertEquals(ProblemKind.MISPLACED_WAL, p.kind());
        assertEquals(List.of(segment(1, 5)), p.walFiles());
        Problem gap = r.problems().get(1);
        assertEquals(ProblemKind.WAL_GAP, gap.kind(), gap.line());
        assertEquals(List.of(segment(1, 5)), gap.walFiles(), "recovery cannot go past the misplaced segment");
        assertEquals("error: WAL file " + segment(1, 5) + " (" + stanza.walKey(segment(1, 5)) + ") does not hold what its"
                + " name says: " + segment(1, 5) + " holds WAL of another position: its header's page address is 0/700000"
                + " (segment " + segment(1, 7) + "), its name says 0/500000; archive-get refuses it", p.line());
        assertFalse(r.ok());
    }

    /**
     * A segment stored cut short (archive-push refuses one now; a repository may hold one from
     * before): named with the LSN where its WAL stops, and recovery cannot go past it.
     */
    @Test
    void aSegmentCutShortIsNamedWhereItsWalStops() throws IOException {
        stanza.typicalBackup(ID, 2, 3).write();
        stanza.wal(1, 2, 4);
        byte[] cut = TestStanza.segmentBytes(stanza.cluster, 1, 5);
        java.util.Arrays.fill(cut, WalSegmentHeader.LENGTH, WalSegmentHeader.LENGTH + 24, (byte) 0); // no switch record
        stanza.walUnbound(segment(1, 5), cut);
        stanza.walUnbound(segment(1, 6), TestStanza.segmentBytes(stanza.cluster, 1, 6));

        VerifyReport r = stanza.verify();
        assertEquals(2, r.problems().size(), () -> lines(r));
        Problem p = r.problems().get(0);
        assertEquals(ProblemKind.UNFINISHED_WAL, p.kind(), p.line());
        assertEquals("error: WAL file " + segment(1, 5) + " (" + stanza.walKey(segment(1, 5)) + ") is not finished: its"
                + " WAL stops at 0/500028 and only zeros follow, with no switch record before them and no timeline ending there;"
                + " recovery through it"
                + " ends there", p.line());
        Problem gap = r.problems().get(1);
        assertEquals(ProblemKind.WAL_GAP, gap.kind(), gap.line());
        assertEquals(List.of(segment(1, 5)), gap.walFiles(), "recovery cannot go past the unfinished segment");
        assertFalse(r.ok());
    }

    /** A standby following a new timeline archives its copy of the old one's last segment, cut at the switch point. */
    @Test
    void aSegmentThatStopsWhereItsTimelineEndedIsThatTimelinesEnd() throws IOException {
        stanza.typicalBackup(ID, 2, 3).write();
        stanza.wal(1, 2, 4);
        byte[] cut = TestStanza.segmentBytes(stanza.cluster, 1, 5);
        java.util.Arrays.fill(cut, WalSegmentHeader.LENGTH, WalSegmentHeader.LENGTH + 24, (byte) 0);
        stanza.walUnbound(segment(1, 5), cut);
        stanza.wal(2, 5, 6);
        stanza.repo.put(stanza.layout.walPrefix() + "00000002.history",
                BlobWriter.of("1\t0/500028\tno recovery target\n".getBytes(UTF_8)));

        VerifyReport r = stanza.verify();
        assertEquals(List.of(), r.problems(), () -> lines(r));
    }

    /** archive-get serves a .stream object under the segment's name: its header is checked as a segment's. */
    @Test
    void aStreamHoldingAnotherPositionIsNamedAndAGoodOneIsNot() throws IOException {
        stanza.typicalBackup(ID, 2, 3).write();
        stanza.wal(1, 2, 4);
        byte[] good = java.util.Arrays.copyOf(TestStanza.segmentBytes(stanza.cluster, 1, 5), 100_000);
        stanza.walUnbound(segment(1, 5) + ".stream", good);
        stanza.walUnbound(segment(1, 5) + ".stream.000186A0", new byte[5000]); // a part within: no header to check
        VerifyReport clean = stanza.verify();
        assertTrue(clean.problems().isEmpty(), () -> lines(clean));

        byte[] elsewhere = java.util.Arrays.copyOf(TestStanza.segmentBytes(stanza.cluster, 1, 7), 100_000);
        assertMisplacedStream(segment(1, 6) + ".stream.00000000", elsewhere);
    }

    /** {@code name} stored with {@code bytes} is the one problem verify finds, named as misplaced WAL. */
    private void assertMisplacedStream(String name, byte[] bytes) throws IOException {
        stanza.walUnbound(name, bytes);
        VerifyReport r = stanza.verify();
        Problem p = only(r);
        assertEquals(ProblemKind.MISPLACED_WAL, p.kind());
        assertTrue(p.message().contains(name + " holds WAL of another position"), p.line());
        assertFalse(r.ok());
    }

    /** The .stream object itself, not only its first part, is checked as the segment it stands for. */
    @Test
    void aStreamObjectHoldingAnotherPositionIsNamed() throws IOException {
        stanza.typicalBackup(ID, 2, 3).write();
        stanza.wal(1, 2, 4);
        byte[] elsewhere = java.util.Arrays.copyOf(TestStanza.segmentBytes(stanza.cluster, 1, 7), 100_000);
        assertMisplacedStream(segment(1, 5) + ".stream", elsewhere);
    }

    @Test
    void aHistoryFileThatIsNotItsTimelinesHistoryIsNamed() throws IOException {
        stanza.typicalBackup(ID, 2, 3).write();
        stanza.wal(1, 2, 3);
        stanza.repo.put(stanza.layout.walPrefix() + "00000002.history",
                BlobWriter.of("1\t0/5000000\tno recovery target\n".getBytes(UTF_8)));
        // timeline 3's history stored as timeline 2's: it names timeline 2 as its own parent
        stanza.repo.put(stanza.layout.walPrefix() + "00000003.history",
                BlobWriter.of("1\t0/5000000\tno recovery target\n2\t0/9000000\tbefore 2000-01-01\n".getBytes(UTF_8)));
        stanza.swap(stanza.layout.walPrefix() + "00000002.history", stanza.layout.walPrefix() + "00000003.history");

        VerifyReport r = stanza.verify();
        assertTrue(r.problems().stream().anyMatch(p -> p.walFiles().equals(List.of("00000002.history"))), () -> lines(r));
        assertTrue(r.problems().stream().anyMatch(p -> p.walFiles().equals(List.of("00000003.history"))), () -> lines(r));
        assertFalse(r.ok());
    }

    @Test
    void aFormatOneHistoryFileNamingItsOwnTimelineAsParentIsMisplaced() throws IOException {
        stanza.typicalBackup(ID, 2, 3).write();
        stanza.wal(1, 2, 3);
        stanza.walUnbound("00000002.history",
                "1\t0/5000000\tno recovery target\n2\t0/9000000\tbefore 2000-01-01\n".getBytes(UTF_8));

        Problem p = only(stanza.verify());
        assertEquals(ProblemKind.MISPLACED_WAL, p.kind());
        assertTrue(p.message().contains("00000002.history is not the history of timeline 2: line 2: parent timeline 2"
                + " is not older than timeline 2"), p.message());
    }

    @Test
    void unexpectedObjectsInTheWalAreaAreWarnings() throws IOException {
        stanza.typicalBackup(ID, 2, 3).write();
        stanza.wal(1, 2, 3);
        stanza.repo.put(stanza.layout.walPrefix() + "notes.txt", BlobWriter.of(new byte[] {1}));
        stanza.repo.put(stanza.layout.walPrefix() + "0000000100000001/" + segment(1, 4), BlobWriter.of(new byte[] {1}));

        VerifyReport r = stanza.verify();
        assertEquals(2, r.problems().size(), () -> lines(r));
        assertTrue(r.problems().stream().allMatch(p -> p.kind() == ProblemKind.UNEXPECTED_WAL_OBJECT
                && p.severity() == Severity.WARNING), () -> lines(r));
        assertTrue(r.ok());
    }

    @Test
    void aFileInAnObjectTheManifestDoesNotListIsInconsistent() throws IOException {
        TestStanza.Backup b = stanza.backup(ID, 2, 3);
        Map<String, byte[]> small = new LinkedHashMap<>();
        small.put("PG_VERSION", "15\n".getBytes(UTF_8));
        b.bundle(small).write();
        stanza.wal(1, 2, 3);
        // Rewrite the manifest with the object list dropped.
        var m = stanza.repo.get(stanza.layout.manifestKey(ID)).readAllBytes();
        String json = new String(m, UTF_8).replaceAll("\"objects\":\\[[^\\]]*\\]", "\"objects\":[]");
        stanza.repo.put(stanza.layout.manifestKey(ID), BlobWriter.of(json.getBytes(UTF_8)));

        // the objects' stored bytes are gone from the lists, not from the header's totals: two findings
        VerifyReport r = stanza.verify();
        assertEquals(2, r.problems().size(), () -> lines(r));
        assertTrue(r.problems().stream().allMatch(p -> p.kind() == ProblemKind.MANIFEST_INCONSISTENT), () -> lines(r));
        assertEquals(1, r.problems().stream().filter(p -> p.files().equals(List.of("PG_VERSION"))).count(), () -> lines(r));
    }

    /** info and the metrics show the header's totals without reading the lists: verify checks they are the lists' sums. */
    @Test
    void headerTotalsThatAreNotTheListsSumsAreInconsistent() throws IOException {
        stanza.typicalBackup(ID, 2, 3).write();
        stanza.wal(1, 2, 3);
        assertEquals(List.of(), stanza.verify().problems());
        String key = stanza.layout.manifestKey(ID);
        String json = new String(stanza.repo.get(key).readAllBytes(), UTF_8);
        String wrong = json.replaceFirst("\"size_bytes\":(\\d+)", "\"size_bytes\":1$1");
        assertTrue(!wrong.equals(json));
        stanza.repo.put(key, BlobWriter.of(wrong.getBytes(UTF_8)));

        Problem p = only(stanza.verify());
        assertEquals(ProblemKind.MANIFEST_INCONSISTENT, p.kind());
        assertEquals(key, p.objectKey());
        assertTrue(p.message().contains("records totals (size_bytes 1"), p.message());
        assertTrue(p.message().endsWith("info and the metrics show the recorded ones"), p.message());
    }

    @Test
    void aCorruptManifestIsReported() throws IOException {
        stanza.typicalBackup(ID, 2, 3).write();
        stanza.wal(1, 2, 3);
        stanza.flipByte(stanza.layout.manifestKey(ID));

        Problem p = only(stanza.verify());
        assertEquals(ProblemKind.MANIFEST_UNREADABLE, p.kind());
        assertEquals(stanza.layout.manifestKey(ID), p.objectKey());
    }

    @Test
    void anEncryptedRepositoryVerifiesWithItsKeyAndAWrongKeyIsAnError() throws IOException {
        Path encrypted = Files.createDirectory(dir.resolve("encrypted"));
        CodecSpec spec = CodecSpec.of(Compression.LZ4).withKey(CipherKey.fromPassphrase("right".getBytes(UTF_8)));
        try (TestStanza s = new TestStanza(encrypted, spec)) {
            s.typicalBackup(ID, 2, 3).write();
            s.wal(1, 2, 3);
            VerifyReport r = s.verify();
            assertEquals(List.of(), r.problems(), () -> lines(r));
        }
        CodecSpec wrong = spec.withKey(CipherKey.fromPassphrase("wrong".getBytes(UTF_8)));
        try (EncodedStore repo = new EncodedStore(new FsBlobStore(encrypted), wrong)) {
            // cluster.json is read first: one clear error instead of one line per object
            assertThrows(WrongKeyException.class, () -> new Verifier(repo, new RepositoryLayout("main"), 2).run());
        }
    }

    @Test
    void anUninitializedStanzaIsAClearError() throws IOException {
        var e = assertThrows(StanzaNotInitializedException.class,
                () -> new Verifier(stanza.repo, new RepositoryLayout("other"), 2).run());
        assertTrue(e.getMessage().contains("stanza 'other' is not initialized"), e.getMessage());
    }

    @Test
    void theReportHasAJsonForm() throws IOException {
        TestStanza.Backup b = stanza.typicalBackup(ID, 2, 3);
        b.write();
        stanza.wal(1, 2, 3);
        stanza.delete(b.key("bundle/1"));

        String json = new String(VerifyReportJson.write(stanza.verify()), UTF_8);
        assertTrue(json.contains("\"ok\" : false"), json);
        assertTrue(json.contains("\"kind\" : \"missing_object\""), json);
        assertTrue(json.contains("\"object\" : \"main/backup/" + ID + "/bundle/1\""), json);
        assertTrue(json.contains("\"global/pg_control\""), json);
    }
}
