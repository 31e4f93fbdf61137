package dev.pgvault.archiver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgvault.archiver.wal.SpanningPair;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.archiver.wal.WalSegmentHeader;
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.codec.ObjectEncoder;
import dev.pgvault.storage.fs.FsBlobStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** archive-push and archive-get on a filesystem repository: the content of a WAL file must fit its name. */
class WalArchiveTest {
    private static final int SEG = 1024 * 1024;
    private static final ClusterIdentity CLUSTER = new ClusterIdentity(7301234567890123456L, 150004, SEG, Instant.EPOCH);

    @TempDir
    Path dir;

    EncodedStore repo;
    RepositoryLayout layout = new RepositoryLayout("main");
    WalArchive archive;
    Path pgWal;

    @BeforeEach
    void open() throws IOException {
        repo = new EncodedStore(new FsBlobStore(Files.createDirectory(dir.resolve("repo"))), CodecSpec.DEFAULT);
        new StanzaStore(repo, layout).init(CLUSTER);
        archive = new WalArchive(repo, layout, CLUSTER);
        pgWal = Files.createDirectory(dir.resolve("pg_wal"));
    }

    @AfterEach
    void close() throws IOException {
        repo.close();
    }

    private static byte[] segment(int headerTli, long n) {
        byte[] b = new byte[SEG];
        byte[] h = new WalSegmentHeader(0xD110, headerTli, n * SEG, CLUSTER.systemIdentifier(), SEG, 8192).encode();
        System.arraycopy(h, 0, b, 0, h.length);
        b[SEG - 1] = (byte) n;
        return b;
    }

    private Path file(String name, byte[] content) throws IOException {
        return Files.write(pgWal.resolve(name), content);
    }

    /** The first page header, then zeros: WAL that stops at its segment's offset 40. */
    private static byte[] stoppedAfterItsHeader(long n) {
        byte[] b = new byte[SEG];
        byte[] h = new WalSegmentHeader(0xD110, 1, n * SEG, CLUSTER.systemIdentifier(), SEG, 8192).encode();
        System.arraycopy(h, 0, b, 0, h.length);
        return b;
    }

    @Test
    void aSegmentCutShortIsRefusedUnlessItsTimelineEndedWhereItStops() throws IOException {
        Path five = file("000000010000000000000005", stoppedAfterItsHeader(5));
        UnfinishedSegmentException e = assertThrows(UnfinishedSegmentException.class, () -> archive.push(five));
        assertTrue(e.getMessage().startsWith("000000010000000000000005 is not finished: its WAL stops at 0/500028 and"),
                e.getMessage());
        assertFalse(archive.get(WalFileName.parse("000000010000000000000005"), dir.resolve("none")));
        // a history that ends timeline 1 elsewhere changes nothing
        Files.writeString(pgWal.resolve("00000002.history"), "1\t0/400000\tno recovery target specified\n");
        assertThrows(UnfinishedSegmentException.class, () -> archive.push(five));
        // timeline 3 forked from 1 right there (its last record ended 4 bytes before the next 8-byte
        // boundary): a standby following it closed its copy of timeline 1 there, timeline 1's true end
        Files.writeString(pgWal.resolve("00000003.history"), "1\t0/500024\tno recovery target specified\n");
        assertEquals(WalArchive.PushOutcome.STORED, archive.push(five));

        // the next timeline's history as archived counts too
        Path six = file("000000010000000000000006", stoppedAfterItsHeader(6));
        Files.delete(pgWal.resolve("00000002.history"));
        Files.delete(pgWal.resolve("00000003.history"));
        assertThrows(UnfinishedSegmentException.class, () -> archive.push(six));
        Path history = dir.resolve("00000002.history");
        Files.writeString(history, "1\t0/600028\tno recovery target specified\n");
        archive.push(history);
        assertEquals(WalArchive.PushOutcome.STORED, archive.push(six));
    }

    /** A standby's padded copy of a segment the repository holds finished: archived, so its archiver goes on. */
    @Test
    void aCopyCutShortOfTheStoredSegmentIsAlreadyArchived() throws IOException {
        assertEquals(WalArchive.PushOutcome.STORED, archive.push(file("000000010000000000000007", segment(1, 7))));
        assertEquals(WalArchive.PushOutcome.FINISHED_ALREADY_STORED, archive.push(file("000000010000000000000007",
                stoppedAfterItsHeader(7))));
        // a copy that differs from the stored segment before its stop is still refused
        archive.push(file("000000010000000000000008", segment(1, 8)));
        byte[] other = stoppedAfterItsHeader(8);
        java.nio.ByteBuffer.wrap(other).order(java.nio.ByteOrder.nativeOrder()).putInt(40, 64).put(57, (byte) 10);
        java.util.Arrays.fill(other, 60, 104, (byte) 3);
        Path eight = file("000000010000000000000008", other);
        UnfinishedSegmentException e = assertThrows(UnfinishedSegmentException.class, () -> archive.push(eight));
        assertTrue(e.getMessage().contains("stops at 0/800068"), e.getMessage());
    }

    /**
     * One record from offset 40 that runs past the segment's end, over page headers that say it
     * goes on: a finished segment whose last byte is WAL (7s).
     */
    private static byte[] oneRecordToItsEnd(long n) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(SEG).order(java.nio.ByteOrder.nativeOrder());
        b.put(0, new WalSegmentHeader(0xD110, 1, n * SEG, CLUSTER.systemIdentifier(), SEG, 8192).encode());
        b.putInt(40, 2 * SEG).put(56, (byte) 0).put(57, (byte) 10); // xl_tot_len, xl_info, xl_rmid (heap)
        for (int i = 64; i < SEG; i++) {
            b.put(i, (byte) 7);
        }
        for (int page = 8192; page < SEG; page += 8192) {
            b.putShort(page, (short) 0xD110).putShort(page + 2, (short) 1).putInt(page + 4, 1)
                    .putLong(page + 8, n * SEG + page).putInt(page + 16, 2 * SEG - page).putInt(page + 20, 0);
        }
        return b.array();
    }

    /**
     * A stream cut inside the segment's last record, on its last page: the walk sees a finished
     * segment (the record's length reaches past the end); the stream in the repository tells.
     */
    @Test
    void aCopyThatIsTheStreamThenZerosIsRefusedWhileTheStreamIsAllThereIs() throws IOException {
        WalFileName nine = WalFileName.parse("000000010000000000000009");
        byte[] full = oneRecordToItsEnd(9);
        archive.putStream(nine, full, SEG - 100);
        for (int cut : new int[] {SEG - 100, SEG - 200}) { // the stream as served, or as an earlier look had it
            byte[] padded = full.clone();
            java.util.Arrays.fill(padded, cut, SEG, (byte) 0);
            Path copy = file(nine.name(), padded);
            UnfinishedSegmentException e = assertThrows(UnfinishedSegmentException.class, () -> archive.push(copy));
            assertTrue(e.getMessage().startsWith("000000010000000000000009 is not finished: its bytes stop at "
                    + new dev.pgvault.archiver.wal.Lsn(9L * SEG + cut) + ", within what wal-receive streamed"), e.getMessage());
            assertFalse(archive.get(nine, dir.resolve("none")));
        }
        // a copy that goes on past the stream is the stream's WAL and more: stored
        byte[] more = full.clone();
        java.util.Arrays.fill(more, SEG - 50, SEG, (byte) 0);
        WalFileName ten = WalFileName.parse("00000001000000000000000A");
        byte[] tenFull = oneRecordToItsEnd(10);
        archive.putStream(ten, tenFull, SEG - 100);
        byte[] tenMore = tenFull.clone();
        java.util.Arrays.fill(tenMore, SEG - 50, SEG, (byte) 0);
        assertEquals(WalArchive.PushOutcome.STORED, archive.push(file(ten.name(), tenMore)));

        // the finished segment stored, the stream's padded copy is archived already
        assertEquals(WalArchive.PushOutcome.STORED, archive.push(file(nine.name(), full)));
        assertEquals(WalArchive.PushOutcome.FINISHED_ALREADY_STORED, archive.push(file(nine.name(), more)));
        Path back = dir.resolve("back");
        assertTrue(archive.get(nine, back));
        assertArrayEquals(full, Files.readAllBytes(back));
    }

    /** A stream as long as the segment (its receiver stopped before storing it): a copy cut short of it is still refused. */
    @Test
    void aCopyCutShortOfAWholeStreamIsRefusedAndTheWholeOneStored() throws IOException {
        WalFileName twelve = WalFileName.parse("00000001000000000000000C");
        byte[] full = oneRecordToItsEnd(12);
        java.util.Arrays.fill(full, SEG - 8, SEG, (byte) 0); // its last record ends in zeros: the walk cannot tell
        archive.putStream(twelve, full, SEG);
        byte[] cut = full.clone();
        java.util.Arrays.fill(cut, SEG - 300, SEG, (byte) 0);
        Path copy = file(twelve.name(), cut);
        UnfinishedSegmentException e = assertThrows(UnfinishedSegmentException.class, () -> archive.push(copy));
        assertTrue(e.getMessage().contains("its bytes stop at " + new dev.pgvault.archiver.wal.Lsn(12L * SEG + SEG - 300)),
                e.getMessage());
        assertEquals(WalArchive.PushOutcome.STORED, archive.push(file(twelve.name(), full)));
    }

    /**
     * A finished segment whose last record ends in zeros and goes on in the next, while the stream
     * is all the repository has of it and stands inside those zeros: its bytes are the stream's
     * and then zeros, as a padded copy's are. Its last record's CRC, completed from the next
     * segment beside it, tells: it holds, and the segment is stored. While the next segment is
     * not there (or is a recycled, preallocated or short file) it cannot be told: refused.
     */
    @Test
    void aSegmentEndingInZerosInsideTheStreamIsStoredWhenItsLastRecordHoldsItsCrc() throws IOException {
        SpanningPair pair = new SpanningPair(SEG, 15, CLUSTER.systemIdentifier(), 500);
        WalFileName fifteen = WalFileName.parse("00000001000000000000000F");
        archive.putStream(fifteen, pair.seg, SEG - 200); // the receiver stopped inside the zeros
        String sixteen = "000000010000000000000010";
        byte[][] notTelling = {null, new byte[SEG], segment(1, 2), java.util.Arrays.copyOf(pair.next, SEG / 2)};
        for (byte[] next : notTelling) {
            Files.deleteIfExists(pgWal.resolve(sixteen));
            if (next != null) {
                file(sixteen, next);
            }
            Path copy = file(fifteen.name(), pair.seg);
            UnfinishedSegmentException e = assertThrows(UnfinishedSegmentException.class, () -> archive.push(copy));
            assertTrue(e.getMessage().contains("its bytes stop at " + new dev.pgvault.archiver.wal.Lsn(15L * SEG + SEG - 500)),
                    e.getMessage());
        }
        file(sixteen, pair.next);
        assertEquals(WalArchive.PushOutcome.STORED, archive.push(file(fifteen.name(), pair.seg)));
        Path back = dir.resolve("back");
        assertTrue(archive.get(fifteen, back));
        assertArrayEquals(pair.seg, Files.readAllBytes(back));
    }

    /**
     * A standby's padded copy of a stream cut inside a last record that goes on in the next
     * segment, beside that next segment as PostgreSQL wrote it (streamed earlier, say): the
     * record's CRC fails over the zeros that stand where its WAL was. Refused, never stored.
     */
    @Test
    void aPaddedCopyBesideTheNextSegmentIsRefusedByItsLastRecordsCrc() throws IOException {
        SpanningPair pair = new SpanningPair(SEG, 17, CLUSTER.systemIdentifier(), 100);
        WalFileName seventeen = WalFileName.parse("000000010000000000000011");
        archive.putStream(seventeen, pair.seg, SEG - 2000);
        byte[] padded = pair.seg.clone();
        java.util.Arrays.fill(padded, SEG - 2000, SEG, (byte) 0);
        file("000000010000000000000012", pair.next);
        Path copy = file(seventeen.name(), padded);
        UnfinishedSegmentException e = assertThrows(UnfinishedSegmentException.class, () -> archive.push(copy));
        assertTrue(e.getMessage().contains("its bytes stop at " + new dev.pgvault.archiver.wal.Lsn(17L * SEG + SEG - 2000)),
                e.getMessage());
        assertFalse(archive.get(seventeen, dir.resolve("none")));
        assertEquals(WalArchive.PushOutcome.STORED, archive.push(file(seventeen.name(), pair.seg)));
    }

    /** Without a stream, zeros at the end of a last record are its WAL: the segment is stored as it is. */
    @Test
    void aSegmentEndingInZerosWithNoStreamIsStored() throws IOException {
        byte[] zerosAtTheEnd = oneRecordToItsEnd(11);
        java.util.Arrays.fill(zerosAtTheEnd, SEG - 100, SEG, (byte) 0);
        assertEquals(WalArchive.PushOutcome.STORED, archive.push(file("00000001000000000000000B", zerosAtTheEnd)));
        Path back = dir.resolve("back");
        assertTrue(archive.get(WalFileName.parse("00000001000000000000000B"), back));
        assertArrayEquals(zerosAtTheEnd, Files.readAllBytes(back));
    }

    @Test
    void aPushedSegmentComesBackByteIdentical() throws IOException {
        byte[] wal = segment(1, 5);
        assertEquals(WalArchive.PushOutcome.STORED, archive.push(file("000000010000000000000005", wal)));
        assertEquals(WalArchive.PushOutcome.ALREADY_STORED, archive.push(file("000000010000000000000005", wal)));
        Path dest = dir.resolve("RECOVERYXLOG");
        assertTrue(archive.get(WalFileName.parse("000000010000000000000005"), dest));
        assertArrayEquals(wal, Files.readAllBytes(dest));
        assertFalse(archive.get(WalFileName.parse("000000010000000000000006"), dir.resolve("none")));
        assertFalse(Files.exists(dir.resolve("none")));
    }

    @Test
    void aStreamedSegmentIsServedPaddedOnlyWhileTheCompleteOneIsAbsent() throws IOException {
        byte[] wal = segment(1, 7);
        WalFileName name = WalFileName.parse("000000010000000000000007");
        int streamed = 300_000;
        archive.putStream(name, wal, streamed);
        Path dest = dir.resolve("RECOVERYXLOG");
        assertFalse(archive.get(name, dest), "get never serves a stream");
        assertTrue(archive.hasStream(name));
        assertEquals(WalArchive.GetOutcome.STREAMED, archive.getOrStreamed(name, dest, null));
        byte[] served = Files.readAllBytes(dest);
        assertEquals(SEG, served.length);
        byte[] expected = new byte[SEG];
        System.arraycopy(wal, 0, expected, 0, streamed);
        assertArrayEquals(expected, served, "the streamed bytes, then zeros");

        // The complete segment wins, stored by the receiver or by archive-push, whichever comes first.
        assertEquals(WalArchive.PushOutcome.STORED, archive.storeSegment(name, wal));
        assertEquals(WalArchive.PushOutcome.ALREADY_STORED, archive.push(file(name.name(), wal)));
        assertEquals(WalArchive.GetOutcome.COMPLETE, archive.getOrStreamed(name, dest, null));
        assertArrayEquals(wal, Files.readAllBytes(dest));
        archive.deleteStream(name);
        assertFalse(archive.hasStream(name));
        assertEquals(WalArchive.GetOutcome.ABSENT, archive.getOrStreamed(WalFileName.parse("000000010000000000000008"), dest, null));
    }

    @Test
    void aStreamIsNotServedOverALocalCopyThatHoldsItAll() throws IOException {
        byte[] wal = segment(1, 9);
        for (int i = 100; i < 400_000; i++) {
            wal[i] = (byte) (i * 17 + 1);
        }
        WalFileName name = WalFileName.parse("000000010000000000000009");
        archive.putStream(name, wal, 300_000);
        Path dest = dir.resolve("RECOVERYXLOG");
        // a standby that received more than the receiver stored: its copy is kept
        Path standbys = file(name.name(), wal);
        assertEquals(WalArchive.GetOutcome.HELD_LOCALLY, archive.getOrStreamed(name, dest, standbys));
        assertFalse(Files.exists(dest), "nothing written");
        // exactly what was streamed (then zeros, a recycled tail or anything): still its own
        byte[] same = java.util.Arrays.copyOf(wal, SEG);
        java.util.Arrays.fill(same, 300_000, SEG, (byte) 0x5a);
        Files.write(standbys, same);
        assertEquals(WalArchive.GetOutcome.HELD_LOCALLY, archive.getOrStreamed(name, dest, standbys));
        // a standby that lags the receiver: the stream has what it lacks, and is served
        byte[] behind = java.util.Arrays.copyOf(wal, SEG);
        java.util.Arrays.fill(behind, 200_000, SEG, (byte) 0);
        Files.write(standbys, behind);
        assertEquals(WalArchive.GetOutcome.STREAMED, archive.getOrStreamed(name, dest, standbys));
        byte[] expected = new byte[SEG];
        System.arraycopy(wal, 0, expected, 0, 300_000);
        assertArrayEquals(expected, Files.readAllBytes(dest));
        // a restored data directory has none: served
        Files.delete(standbys);
        Files.delete(dest);
        assertEquals(WalArchive.GetOutcome.STREAMED, archive.getOrStreamed(name, dest, standbys));
        // and the complete segment always wins
        archive.storeSegment(name, wal);
        Files.write(standbys, wal);
        assertEquals(WalArchive.GetOutcome.COMPLETE, archive.getOrStreamed(name, dest, standbys));
    }

    /**
     * A segment over 64 MiB is checked and stored from one mapping of its file (not read into the
     * heap): it comes back byte-identical, again is archived already, and other bytes under its
     * name are refused.
     */
    @Test
    void aLargeSegmentIsStoredFromItsMappingAndComesBackWhole() throws IOException {
        int big = 128 << 20;
        ClusterIdentity cluster = new ClusterIdentity(CLUSTER.systemIdentifier(), 150004, big, Instant.EPOCH);
        RepositoryLayout bigLayout = new RepositoryLayout("big");
        new StanzaStore(repo, bigLayout).init(cluster);
        WalArchive bigArchive = new WalArchive(repo, bigLayout, cluster);
        byte[] wal = new byte[big];
        byte[] h = new WalSegmentHeader(0xD110, 1, 5L * big, cluster.systemIdentifier(), big, 8192).encode();
        System.arraycopy(h, 0, wal, 0, h.length);
        for (int i = 4096; i < wal.length; i += 4096) {
            wal[i] = (byte) (i >>> 12 | 1);
        }
        WalFileName name = WalFileName.parse(WalFileName.segmentName(1, 5, big));
        Path file = file(name.name(), wal);
        assertEquals(WalArchive.PushOutcome.STORED, bigArchive.push(file));
        assertEquals(WalArchive.PushOutcome.ALREADY_STORED, bigArchive.push(file));
        Path back = dir.resolve("back");
        assertTrue(bigArchive.get(name, back));
        assertEquals(-1L, Files.mismatch(file, back));
        wal[big - 4096] = 7;
        Path other = file(name.name(), wal);
        assertThrows(WalConflictException.class, () -> bigArchive.push(other));
    }

    /**
     * A segment of 128 MiB (initdb --wal-segsize allows up to 1 GiB) served from its stream, and
     * compared with a standby's copy, without holding either in memory: what this thread
     * allocates stays a small fraction of the segment, where gathering the stream once took the
     * segment's size and the stream's again.
     */
    @Test
    void aLargeStreamedSegmentIsServedAndComparedThroughFilesNotMemory() throws IOException {
        assumeTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM counts no allocations per thread");
        int big = 128 << 20;
        ClusterIdentity cluster = new ClusterIdentity(CLUSTER.systemIdentifier(), 150004, big, Instant.EPOCH);
        RepositoryLayout bigLayout = new RepositoryLayout("big");
        new StanzaStore(repo, bigLayout).init(cluster);
        WalArchive bigArchive = new WalArchive(repo, bigLayout, cluster);
        int streamed = 40 << 20;
        byte[] wal = new byte[streamed + 4096];
        byte[] h = new WalSegmentHeader(0xD110, 1, 3L * big, cluster.systemIdentifier(), big, 8192).encode();
        System.arraycopy(h, 0, wal, 0, h.length);
        for (int i = h.length; i < wal.length; i += 4096) {
            wal[i] = (byte) (i >>> 12 | 1); // not zeros, and still quick to compress
        }
        WalFileName name = WalFileName.parse(WalFileName.segmentName(1, 3, big));
        bigArchive.putStream(name, wal, streamed / 2);
        bigArchive.putStreamPart(name, wal, streamed / 2, streamed);

        Path dest = dir.resolve("RECOVERYXLOG");
        long before = allocatedByThisThread();
        assertEquals(WalArchive.GetOutcome.STREAMED, bigArchive.getOrStreamed(name, dest, null));
        long allocated = allocatedByThisThread() - before;
        assertTrue(allocated < 16L << 20, "allocated " + allocated + " bytes to serve a 128 MiB segment");
        assertServed(dest, wal, streamed, big);

        // a standby whose copy holds all of it (and more): compared a chunk at a time, kept
        Path standbys = file(name.name(), wal);
        Files.delete(dest);
        before = allocatedByThisThread();
        assertEquals(WalArchive.GetOutcome.HELD_LOCALLY, bigArchive.getOrStreamed(name, dest, standbys));
        allocated = allocatedByThisThread() - before;
        assertTrue(allocated < 16L << 20, "allocated " + allocated + " bytes to compare a 128 MiB segment");
        assertFalse(Files.exists(dest), "nothing written");
        // one byte different within the stream: the stream is served over it, its own bytes
        wal[streamed - 1] ^= 1;
        Files.write(standbys, wal);
        wal[streamed - 1] ^= 1;
        assertEquals(WalArchive.GetOutcome.STREAMED, bigArchive.getOrStreamed(name, dest, standbys));
        assertServed(dest, wal, streamed, big);
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().contains("pgvault-tmp")).toList(),
                    "no temporary file left");
        }
    }

    /** What {@code wal-receive} stored of {@code segment}, gathered (the archive itself never holds a stream whole). */
    private byte[] streamed(WalFileName segment) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        new StreamedWal(repo, layout, SEG).read(segment, () -> {
            got.reset();
            return (offset, buf, from, length) -> got.write(buf, from, length);
        });
        return got.toByteArray();
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    private static long allocatedByThisThread() {
        return THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    /** {@code file} is a segment of {@code size} bytes: {@code wal}'s first {@code streamed}, then zeros; read a chunk at a time. */
    private static void assertServed(Path file, byte[] wal, int streamed, long size) throws IOException {
        assertEquals(size, Files.size(file));
        byte[] chunk = new byte[1 << 20];
        byte[] zeros = new byte[chunk.length];
        try (java.io.InputStream in = Files.newInputStream(file)) {
            for (long at = 0; at < size; ) {
                int n = (int) Math.min(chunk.length, size - at);
                assertEquals(n, in.readNBytes(chunk, 0, n));
                int fromWal = (int) Math.max(0, Math.min(n, streamed - at));
                assertTrue(fromWal == 0 || java.util.Arrays.equals(chunk, 0, fromWal, wal, (int) at, (int) at + fromWal),
                        "the streamed bytes at " + at);
                assertTrue(java.util.Arrays.equals(chunk, fromWal, n, zeros, fromWal, n), "zeros after the stream, at " + at);
                at += n;
            }
        }
    }

    /** A stream read a chunk at a time (64 KiB here), parts beginning chunks before what is known. */
    @Test
    void aStreamIsReadInChunksEachByteOnceInOrderAndItsLengthWithoutItsBytes() throws IOException {
        byte[] wal = segment(1, 12);
        for (int i = 100; i < SEG - 1; i++) {
            wal[i] = (byte) (i * 31 + i / 65_521);
        }
        WalFileName name = WalFileName.parse("00000001000000000000000C");
        archive.putStream(name, wal, 300_000);
        archive.putStreamPart(name, wal, 200_000, 650_000); // begins more than a chunk before the object ends
        archive.putStreamPart(name, wal, 0, 800_000); // begins ten chunks before
        archive.putStreamPart(name, wal, 800_000, 800_001);
        archive.putStreamPart(name, wal, 900_000, 1_000_000); // after a hole
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        StreamedWal.Read<StreamedWal.Sink> read = new StreamedWal(repo, layout, SEG).read(name, () -> {
            got.reset();
            return (offset, buf, from, length) -> {
                assertEquals(got.size(), offset); // in order, each byte once
                got.write(buf, from, length);
            };
        });
        assertEquals(800_001, read.end());
        assertArrayEquals(java.util.Arrays.copyOf(wal, 800_001), got.toByteArray());
        assertArrayEquals(java.util.Arrays.copyOf(wal, 800_001), streamed(name));
        assertEquals(800_001, archive.streamedLength(name));
        // into a receiver's own segment buffer, no copy of its own
        byte[] into = new byte[SEG];
        java.util.Arrays.fill(into, (byte) 0x77);
        assertEquals(800_001, archive.streamedInto(name, into));
        assertTrue(java.util.Arrays.equals(wal, 0, 800_001, into, 0, 800_001));
        assertEquals((byte) 0x77, into[800_001], "nothing written past the stream's end");
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> archive.streamedInto(name, new byte[SEG - 1]));
        assertEquals("a buffer of 1048575 bytes cannot hold a segment of 1048576", small.getMessage());
    }

    @Test
    void theStreamIsItsObjectThenThePartsThatContinueItWithoutAHole() throws IOException {
        byte[] wal = segment(1, 11);
        for (int i = 100; i < 5000; i++) {
            wal[i] = (byte) (i * 31);
        }
        WalFileName name = WalFileName.parse("00000001000000000000000B");
        archive.putStreamPart(name, wal, 0, 1000); // a synchronous receiver's first store: parts only
        assertArrayEquals(java.util.Arrays.copyOf(wal, 1000), streamed(name));
        archive.putStreamPart(name, wal, 1000, 1500);
        archive.putStreamPart(name, wal, 1200, 2000); // overlapping: a retried store
        archive.putStreamPart(name, wal, 3000, 3500); // after a hole: not part of the stream
        assertArrayEquals(java.util.Arrays.copyOf(wal, 2000), streamed(name));
        archive.putStream(name, wal, 2500); // consolidated, parts not yet removed
        assertArrayEquals(java.util.Arrays.copyOf(wal, 2500), streamed(name));
        archive.putStreamPart(name, wal, 2500, 3000); // fills the hole
        assertArrayEquals(java.util.Arrays.copyOf(wal, 3500), streamed(name));
        assertEquals(3500, archive.streamedLength(name));
        Path dest = dir.resolve("RECOVERYXLOG");
        assertEquals(WalArchive.GetOutcome.STREAMED, archive.getOrStreamed(name, dest, null));
        byte[] expected = new byte[SEG];
        System.arraycopy(wal, 0, expected, 0, 3500);
        assertArrayEquals(expected, Files.readAllBytes(dest));
        archive.deleteStream(name);
        assertFalse(archive.hasStream(name));
        assertEquals(0, streamed(name).length);
        assertEquals(0, archive.streamedLength(name));
        try (Stream<Path> left = Files.walk(dir.resolve("repo"))) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().contains(".stream")).toList());
        }
    }

    @Test
    void aStreamedSegmentWithOtherBytesThanTheArchivedOneIsAConflict() throws IOException {
        byte[] wal = segment(1, 9);
        archive.push(file("000000010000000000000009", wal));
        byte[] other = wal.clone();
        other[SEG / 2] = 1;
        WalConflictException e = assertThrows(WalConflictException.class,
                () -> archive.storeSegment(WalFileName.parse("000000010000000000000009"), other));
        assertTrue(e.getMessage().startsWith("000000010000000000000009 is already in "), e.getMessage());
        assertThrows(ForeignWalException.class, () -> archive.storeSegment(WalFileName.parse("00000001000000000000000A"), wal));
    }

    /**
     * Two fetches of one file at once (two resident archivers on a spool removed and made again)
     * while the launcher takes the file away by renaming it, as it does: every file taken must be
     * whole. With one temporary name shared by the writers, a taken file was still being written
     * (PostgreSQL: "archive file ... has wrong size: 3448832 instead of 16777216", stop 21's CI).
     */
    @Test
    void concurrentFetchesOfOneFileNeverHandOverAPartOfIt() throws Exception {
        byte[] wal = segment(1, 5);
        archive.push(file("000000010000000000000005", wal));
        Path dest = dir.resolve("spooled");
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.List<String> bad = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicInteger taken = new java.util.concurrent.atomic.AtomicInteger();
        Thread taker = new Thread(() -> {
            while (!done.get()) {
                Path to = dir.resolve("taken-" + taken.get());
                try {
                    Files.move(dest, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    Thread.sleep(5); // a writer still holding the inode would go on growing it meanwhile
                    byte[] got = Files.readAllBytes(to);
                    if (!java.util.Arrays.equals(wal, got)) {
                        bad.add("taken file " + taken.get() + " has " + got.length + " bytes");
                    }
                    Files.delete(to);
                    taken.incrementAndGet();
                } catch (java.nio.file.NoSuchFileException e) {
                    Thread.onSpinWait();
                } catch (Exception e) {
                    bad.add(e.toString());
                }
            }
        });
        taker.start();
        java.util.concurrent.ExecutorService writers = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            java.util.List<java.util.concurrent.Future<?>> all = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                all.add(writers.submit(() -> {
                    try {
                        archive.get(WalFileName.parse("000000010000000000000005"), dest);
                    } catch (java.nio.file.NoSuchFileException e) {
                        // another writer's rename or the taker raced this one: nothing handed over
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : all) {
                f.get();
            }
        } finally {
            writers.shutdown();
            done.set(true);
            taker.join();
        }
        assertTrue(taken.get() > 0, "the taker took nothing: the test did not race");
        assertEquals(java.util.List.of(), bad);
    }

    /** A new timeline's first segment begins with its parent's pages: its header names the parent. */
    @Test
    void theFirstSegmentOfANewTimelineMayCarryItsParentsTimeline() throws IOException {
        archive.push(file("000000020000000000000005", segment(1, 5)));
        assertTrue(archive.get(WalFileName.parse("000000020000000000000005"), dir.resolve("x")));
        ForeignWalException e = assertThrows(ForeignWalException.class,
                () -> archive.push(file("000000010000000000000006", segment(2, 6))));
        assertEquals("000000010000000000000006 holds WAL of a later timeline: its header says timeline 2, its name 1"
                + " (stanza 'main')", e.getMessage());
    }

    @Test
    void aSegmentOfAnotherPositionIsRefusedOnPush() {
        ForeignWalException e = assertThrows(ForeignWalException.class,
                () -> archive.push(file("000000010000000000000005", segment(1, 7))));
        assertTrue(e.getMessage().startsWith("000000010000000000000005 holds WAL of another position"), e.getMessage());
    }

    /**
     * A repository written before objects named their key: a segment stored under another's name
     * is caught by its page header, and nothing reaches the destination.
     */
    @Test
    void aFormatOneObjectHoldingAnotherSegmentIsNotHandedOver() throws IOException {
        String key = layout.walKey(WalFileName.parse("000000010000000000000005"));
        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        try (var out = new ObjectEncoder(CodecSpec.DEFAULT).open(stored)) {
            out.write(segment(1, 9));
        }
        repo.blobs().put(key, BlobWriter.of(stored.toByteArray()));
        Path dest = dir.resolve("RECOVERYXLOG");
        MisplacedWalException e = assertThrows(MisplacedWalException.class,
                () -> archive.get(WalFileName.parse("000000010000000000000005"), dest));
        assertEquals("000000010000000000000005 holds WAL of another position: its header's page address is 0/900000"
                + " (segment 000000010000000000000009), its name says 0/500000 (" + key + " in " + repo.describe()
                + "): not handed to PostgreSQL", e.getMessage());
        assertFalse(Files.exists(dest));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(0, left.filter(p -> p.getFileName().toString().contains("pgvault-tmp")).count());
        }
    }

    @Test
    void historyFilesAreCheckedOnPushAndGet() throws IOException {
        byte[] history = "1\t0/5000000\tno recovery target specified\n".getBytes(StandardCharsets.UTF_8);
        archive.push(file("00000002.history", history));
        assertTrue(archive.get(WalFileName.parse("00000002.history"), dir.resolve("h")));
        assertArrayEquals(history, Files.readAllBytes(dir.resolve("h")));
        ForeignWalException e = assertThrows(ForeignWalException.class, () -> archive.push(file("00000001.history", history)));
        assertTrue(e.getMessage().startsWith("00000001.history is not the history of timeline 1"), e.getMessage());
    }
}
