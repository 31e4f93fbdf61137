package dev.pgvault.archiver;

import dev.pgvault.archiver.wal.WalContentCheck;
import dev.pgvault.archiver.wal.WalFileKind;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.SpanningRecord;
import dev.pgvault.archiver.wal.TimelineHistory;
import dev.pgvault.archiver.wal.WalSegmentEnd;
import dev.pgvault.archiver.wal.WalSegmentHeader;
import dev.pgvault.storage.BlobNotFoundException;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Pushes WAL files into a stanza and fetches them back: what archive_command and
 * restore_command run. A push is a create-if-absent, so a stored WAL file is never replaced.
 */
public final class WalArchive {

    /** What a push found. */
    public enum PushOutcome {
        STORED,
        /** The same bytes were already stored under the name: PostgreSQL retried a push. */
        ALREADY_STORED,
        /**
         * The file stops short, zeros after, and the repository holds the finished segment it
         * begins (a standby's copy of what wal-receive had streamed): archived, nothing stored.
         */
        FINISHED_ALREADY_STORED
    }

    private final EncodedStore repo;
    private final RepositoryLayout layout;
    private final ClusterIdentity cluster;

    public WalArchive(EncodedStore repo, RepositoryLayout layout, ClusterIdentity cluster) {
        this.repo = repo;
        this.layout = layout;
        this.cluster = cluster;
    }

    /**
     * Stores the WAL file at {@code file} under its own name. Returns only once the object is
     * durable. Throws {@link ForeignWalException} for a segment of another cluster and {@link
     * WalConflictException} when different bytes are already stored under the name.
     */
    public PushOutcome push(Path file) throws IOException {
        WalFileName name = WalFileName.parse(file.getFileName().toString());
        Optional<String> why = mismatch(name, file);
        if (why.isPresent()) {
            throw new ForeignWalException(why.get() + " (stanza '" + layout.stanza() + "')");
        }
        if (name.kind() != WalFileKind.SEGMENT) {
            return storeOnce(name, () -> Files.newInputStream(file));
        }
        if (cluster.walSegmentSize() > WHOLE_IN_MEMORY_MAX) {
            // A segment too large to hold per push: walked and stored from one mapping, so that
            // what is stored is the file that was checked, not one renamed over its name meanwhile.
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
                if (unfinished(name, mapped, file.getParent())) {
                    return PushOutcome.FINISHED_ALREADY_STORED;
                }
                try {
                    return storeOnce(name, () -> new BufferInput(mapped.duplicate().clear()));
                } catch (WalConflictException e) {
                    return beginsStored(name, mapped, e);
                }
            }
        }
        try {
            IN_MEMORY.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted before pushing " + name.name());
        }
        try {
            // read once: what is checked is what is stored, even if the file changes meanwhile
            byte[] bytes = Files.readAllBytes(file);
            if (unfinished(name, ByteBuffer.wrap(bytes), file.getParent())) {
                return PushOutcome.FINISHED_ALREADY_STORED;
            }
            try {
                return storeOnce(name, () -> new ByteArrayInputStream(bytes));
            } catch (WalConflictException e) {
                return beginsStored(name, ByteBuffer.wrap(bytes), e);
            }
        } finally {
            IN_MEMORY.release();
        }
    }

    /**
     * After {@code conflict} (other bytes stored under the name): archived when {@code segment}
     * is the stored segment's start and zeros after it (a standby's copy of what wal-receive had
     * streamed, the receiver having stored the finished segment meanwhile); else the conflict.
     */
    private PushOutcome beginsStored(WalFileName name, ByteBuffer segment, WalConflictException conflict) throws IOException {
        int bytesEnd = bytesEnd(segment);
        if (bytesEnd < segment.capacity() && storedBegins(name, segment, bytesEnd)) {
            return PushOutcome.FINISHED_ALREADY_STORED;
        }
        throw conflict;
    }

    /** The offset after the last byte of {@code segment} that is not zero. */
    private static int bytesEnd(ByteBuffer segment) {
        int end = segment.capacity();
        while (end > 0 && segment.get(end - 1) == 0) {
            end--;
        }
        return end;
    }

    /** Segments up to this size are read into memory once to be checked and stored (the default is 16 MiB). */
    private static final long WHOLE_IN_MEMORY_MAX = 64L << 20;

    /** Segments held in memory at once in this process: a quarter of the heap at most (push-max may be 64). */
    private static final java.util.concurrent.Semaphore IN_MEMORY = new java.util.concurrent.Semaphore(
            (int) Math.max(1, Math.min(64, Runtime.getRuntime().maxMemory() / 4 / WHOLE_IN_MEMORY_MAX)));

    /**
     * Refuses a segment whose WAL stops before its end ({@link WalSegmentEnd}), unless it stops
     * where its timeline ended: a later timeline's history, beside it in {@code walDir} (a
     * standby following a new timeline has fetched it) or archived, names that switch point.
     * Returns true when the repository already holds the finished segment this copy begins:
     * archived, nothing to store (a standby's archiver is not held on its padded copy).
     */
    private boolean unfinished(WalFileName name, ByteBuffer segment, Path walDir) throws IOException {
        WalSegmentEnd.Ending ending = WalSegmentEnd.ending(segment);
        if (ending.stop().isEmpty()) {
            // the common case, without looking for histories; but zeros at the end no record
            // explains may be a stream cut inside the last record, which only the stream tells
            return ending.zerosUnexplained() && streamedThenZeros(name, segment, ending.spanningStart(), walDir);
        }
        long segmentSize = cluster.walSegmentSize();
        Optional<Lsn> unfinished = WalSegmentEnd.unfinishedStop(name, segmentSize, ending, histories(walDir, name.timeline()));
        if (unfinished.isEmpty()) {
            return false;
        }
        Lsn stop = unfinished.get();
        if (storedBegins(name, segment, (int) (stop.value() - name.segmentNumber(segmentSize) * segmentSize))) {
            // the finished segment is in the repository and this copy is the start of it: archived
            return true;
        }
        throw new UnfinishedSegmentException(name.name() + " is not finished: its WAL stops at " + stop
                + " and only zeros follow, with no switch record before them and no timeline ending there (a standby's"
                + " copy of a segment wal-receive had only streamed, still being filled by its stream); not stored:"
                + " the finished segment will be");
    }

    /**
     * For a segment ending in zeros that no record explains ({@link WalSegmentEnd#endsInZerosUnexplained}),
     * compared with what wal-receive streamed of it: refused when it holds nothing the stream
     * lacks and the stream has WAL where the copy has zeros (a copy cut short, what archive-get
     * served while the stream was shorter), or when it is the stream, shorter than the segment,
     * and zeros after (archive-get's padded copy, the stream cut inside the segment's last
     * record). False, to be stored, otherwise: with no stream, the zeros are the WAL's own.
     * Returns true when the finished segment is stored and this copy begins it.
     *
     * <p>The bytes of the second case cannot tell a finished segment whose last record ends in
     * zeros from where the stream stands; that record's CRC can ({@link SpanningRecord}), read on
     * into the next segment beside it in {@code walDir} where it goes on there: it holds over the
     * finished segment's zeros and fails over a padded copy's, which stand where WAL was. Such a
     * copy is stored when its last record (from {@code spanningStart}) holds its CRC; when that
     * cannot be told (no next segment there yet, as on a standby that restored the padded copy)
     * it is refused while the stream is all the repository has of it, never a wrong segment stored.
     */
    private boolean streamedThenZeros(WalFileName name, ByteBuffer segment, int spanningStart, Path walDir)
            throws IOException {
        if (!hasStream(name)) {
            return false; // the common case: one listing, nothing read
        }
        int bytesEnd = bytesEnd(segment);
        StreamedWal.Read<AgainstCopy> read = streams().read(name, () -> new AgainstCopy(segment, bytesEnd));
        long streamedEnd = read.end();
        if (streamedEnd == 0 || bytesEnd > streamedEnd || read.sink().differs) {
            return false; // completed and removed meanwhile (storing finds out), or the copy holds more
        }
        if (!read.sink().cut
                && (streamedEnd >= segment.capacity() || lastRecordHolds(name, segment, spanningStart, walDir))) {
            return false; // the whole segment streamed, or its last record's CRC holds over the zeros: this copy is it
        }
        if (storedBegins(name, segment, bytesEnd)) {
            return true; // the finished segment is stored (a stream may outlive it) and this copy begins it
        }
        Lsn stop = new Lsn(name.segmentNumber(cluster.walSegmentSize()) * cluster.walSegmentSize() + bytesEnd);
        throw new UnfinishedSegmentException(name.name() + " is not finished: its bytes stop at " + stop
                + ", within what wal-receive streamed of it (" + streamedEnd + " bytes, its .stream in the"
                + " repository), and only zeros follow (a standby's copy of a segment wal-receive had only streamed,"
                + " still being filled by its stream); not stored: the finished segment will be");
    }

    /**
     * A copy's bytes against the stream, read a chunk at a time: whether they differ where the
     * copy has WAL (before {@code bytesEnd}), and whether the stream has WAL where the copy has
     * zeros (a copy cut short).
     */
    private static final class AgainstCopy implements StreamedWal.Sink {
        private final ByteBuffer copy;
        private final int bytesEnd;
        boolean differs;
        boolean cut;

        AgainstCopy(ByteBuffer copy, int bytesEnd) {
            this.copy = copy;
            this.bytesEnd = bytesEnd;
        }

        @Override
        public void accept(long offset, byte[] buf, int from, int length) {
            int compared = (int) Math.max(0, Math.min(length, bytesEnd - offset));
            if (compared > 0 && !begins(copy, (int) offset, buf, from, compared)) {
                differs = true;
            }
            for (int i = from + compared; i < from + length && !cut; i++) {
                cut = buf[i] != 0;
            }
        }
    }

    /** Whether {@code segment} holds {@code buf}'s {@code length} bytes from {@code from} at {@code at}. */
    private static boolean begins(ByteBuffer segment, int at, byte[] buf, int from, int length) {
        return ByteBuffer.wrap(buf, from, length).equals(segment.duplicate().clear().position(at).limit(at + length));
    }

    /**
     * Whether the repository holds {@code name} complete, its first {@code length} bytes those of
     * {@code segment}: compared a chunk at a time, so a large segment is never held twice.
     */
    private boolean storedBegins(WalFileName name, ByteBuffer segment, int length) throws IOException {
        byte[] chunk = new byte[Math.min(length, StreamedWal.chunkSize(cluster.walSegmentSize()))];
        try (InputStream in = repo.get(layout.walKey(name))) {
            for (int at = 0; at < length; ) {
                int n = in.readNBytes(chunk, 0, Math.min(chunk.length, length - at));
                if (n == 0 || !begins(segment, at, chunk, 0, n)) {
                    return false;
                }
                at += n;
            }
        } catch (BlobNotFoundException e) {
            return false;
        }
        return true;
    }

    /** The timeline histories in {@code walDir}, and the archived one of the timeline after {@code tli}. */
    private List<TimelineHistory> histories(Path walDir, int tli) throws IOException {
        List<TimelineHistory> histories = new ArrayList<>();
        if (walDir != null && Files.isDirectory(walDir)) {
            try (java.util.stream.Stream<Path> files = Files.list(walDir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String n = f.getFileName().toString();
                    if (n.matches("[0-9A-F]{8}\\.history")) {
                        int t = Integer.parseUnsignedInt(n.substring(0, 8), 16);
                        try {
                            histories.add(TimelineHistory.parse(t, Files.readAllBytes(f)));
                        } catch (IllegalArgumentException | IOException e) {
                            // not a history this check can use: it only narrows what is refused
                        }
                    }
                }
            }
        }
        try {
            HistoryFiles.read(repo, layout, WalFileName.parse(HistoryFiles.name(tli + 1))).ifPresent(histories::add);
        } catch (BlobNotFoundException e) {
            // no timeline after this one archived
        }
        return histories;
    }

    /**
     * Stores a complete segment held in memory (what {@code wal-receive} streamed) under its name,
     * with the same promise and the same checks as {@link #push}: either path may store a segment
     * first, the same bytes are success, different bytes a {@link WalConflictException}.
     */
    public PushOutcome storeSegment(WalFileName name, byte[] bytes) throws IOException {
        if (name.kind() != WalFileKind.SEGMENT) {
            throw new IllegalArgumentException(name.name() + " is not a segment");
        }
        WalContentCheck check = new WalContentCheck(cluster.systemIdentifier(), cluster.walSegmentSize());
        Optional<String> why = check.segmentMismatch(name, bytes, Math.min(bytes.length, WalSegmentHeader.LENGTH), bytes.length);
        if (why.isPresent()) {
            throw new ForeignWalException(why.get() + " (stanza '" + layout.stanza() + "')");
        }
        return storeOnce(name, () -> new ByteArrayInputStream(bytes));
    }

    /** Stores timeline {@code tli}'s history file as the server gave it, as {@link #push} would. */
    public PushOutcome storeHistory(int tli, byte[] content) throws IOException {
        WalFileName name = WalFileName.parse(HistoryFiles.name(tli));
        WalContentCheck check = new WalContentCheck(cluster.systemIdentifier(), cluster.walSegmentSize());
        Optional<String> why = check.historyMismatch(name, content);
        if (why.isPresent()) {
            throw new ForeignWalException(why.get() + " (stanza '" + layout.stanza() + "')");
        }
        return storeOnce(name, () -> new ByteArrayInputStream(content));
    }

    /** A source of the local bytes, opened once to store them and once more to compare them. */
    private interface LocalBytes {
        InputStream open() throws IOException;
    }

    /** A buffer's bytes, from its position to its limit, as a stream. */
    private static final class BufferInput extends InputStream {
        private final ByteBuffer buffer;

        BufferInput(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public int read() {
            return buffer.hasRemaining() ? Byte.toUnsignedInt(buffer.get()) : -1;
        }

        @Override
        public int read(byte[] into, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (!buffer.hasRemaining()) {
                return -1;
            }
            int n = Math.min(len, buffer.remaining());
            buffer.get(into, off, n);
            return n;
        }
    }

    private PushOutcome storeOnce(WalFileName name, LocalBytes local) throws IOException {
        String key = layout.walKey(name);
        boolean created = repo.create(key, out -> {
            try (InputStream in = local.open()) {
                in.transferTo(out);
            }
        }).isPresent();
        if (created) {
            return PushOutcome.STORED;
        }
        String mine = sha256(local.open());
        String stored = sha256(repo.get(key));
        if (mine.equals(stored)) {
            return PushOutcome.ALREADY_STORED;
        }
        throw new WalConflictException(name.name() + " is already in " + repo.describe()
                + " with different content (stored sha256 " + stored + ", local " + mine
                + "): the stored file was left as it is; is another cluster archiving into stanza '"
                + layout.stanza() + "'?");
    }

    /**
     * Replaces the {@code .stream} object of {@code segment} with its first {@code length} bytes:
     * durable when this returns. A reader sees the old object or the new one, never a mix. Lightly
     * compressed, as the parts: the complete segment stores these bytes again.
     */
    public void putStream(WalFileName segment, byte[] bytes, int length) throws IOException {
        repo.putLightlyCompressed(layout.walKey(segment.as(WalFileKind.STREAM)), out -> out.write(bytes, 0, length));
    }

    /**
     * Stores bytes {@code from} to {@code to} of {@code segment} as a part of its stream, read
     * after the {@code .stream} object: a small write where a synchronous receiver cannot afford
     * to rewrite the whole segment for every commit.
     */
    public void putStreamPart(WalFileName segment, byte[] bytes, int from, int to) throws IOException {
        repo.putLightlyCompressed(layout.walKey(WalFileName.streamPart(segment, from)),
                out -> out.write(bytes, from, to - from));
    }

    /** Removes the parts of {@code segment}'s stream that begin at {@code offsets}. */
    public void deleteStreamParts(WalFileName segment, java.util.Collection<Long> offsets) throws IOException {
        repo.blobs().deleteAll(offsets.stream().map(o -> layout.walKey(WalFileName.streamPart(segment, o))).toList());
    }

    /** Removes {@code segment}'s {@code .stream} object and its parts, once its complete object is stored. */
    public void deleteStream(WalFileName segment) throws IOException {
        List<String> keys = new ArrayList<>(streams().partKeys(segment));
        keys.add(layout.walKey(segment.as(WalFileKind.STREAM)));
        repo.blobs().deleteAll(keys);
    }

    /**
     * Reads what {@code wal-receive} stored of {@code segment} (its {@code .stream} object,
     * extended by the parts that continue it without a hole) into the start of {@code into}, a
     * segment-sized buffer the caller holds anyway; returns how many bytes, 0 when nothing was
     * streamed.
     */
    public int streamedInto(WalFileName segment, byte[] into) throws IOException {
        if (into.length < cluster.walSegmentSize()) {
            throw new IllegalArgumentException("a buffer of " + into.length + " bytes cannot hold a segment of "
                    + cluster.walSegmentSize());
        }
        return (int) streams().read(segment, () -> (offset, buf, from, length) ->
                System.arraycopy(buf, from, into, (int) offset, length)).end();
    }

    /**
     * How many bytes of {@code segment} {@code wal-receive} stored: its {@code .stream} object,
     * extended by the parts stored after it as far as they continue it without a hole; 0 when
     * nothing was streamed. Read through, never held.
     */
    public long streamedLength(WalFileName segment) throws IOException {
        return streams().read(segment, () -> (offset, buf, from, length) -> { }).end();
    }

    private StreamedWal streams() {
        return new StreamedWal(repo, layout, cluster.walSegmentSize());
    }

    /**
     * Why the WAL file at {@code file} does not fit {@code name} and this stanza's cluster, or
     * empty when it does (see {@link WalContentCheck}); .backup files are not checked.
     */
    private Optional<String> mismatch(WalFileName name, Path file) throws IOException {
        WalContentCheck check = new WalContentCheck(cluster.systemIdentifier(), cluster.walSegmentSize());
        switch (name.kind()) {
            case SEGMENT, PARTIAL -> {
                byte[] head = new byte[WalSegmentHeader.LENGTH];
                int n;
                long size;
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                    size = ch.size();
                    n = Math.max(0, ch.read(ByteBuffer.wrap(head), 0));
                }
                return check.segmentMismatch(name, head, n, size);
            }
            case HISTORY -> {
                return check.historyMismatch(name, Files.readAllBytes(file));
            }
            default -> {
                return Optional.empty();
            }
        }
    }

    /**
     * Whether the last record of {@code segment}, from {@code spanningStart} to its end, holds its
     * CRC: alone when it ends there, else completed from the next segment in {@code walDir}.
     * False when that cannot be told (no such record, the next segment absent, unreadable, not
     * yet continuing the record, a page of this segment not continuing it either).
     */
    private boolean lastRecordHolds(WalFileName name, ByteBuffer segment, int spanningStart, Path walDir) {
        if (spanningStart < 0) {
            return false;
        }
        long segmentSize = cluster.walSegmentSize();
        String next = WalFileName.segmentName(name.timeline(), name.segmentNumber(segmentSize) + 1, segmentSize);
        ByteBuffer following = null; // mapped: the record's rest is read, not the whole segment
        if (walDir != null) {
            try (FileChannel ch = FileChannel.open(walDir.resolve(next), StandardOpenOption.READ)) {
                if (ch.size() == segment.capacity()) {
                    following = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
                }
            } catch (IOException e) {
                // none beside it, or one that cannot be read: the record is checked alone
            }
        }
        return SpanningRecord.crcMatches(segment, spanningStart, following).orElse(false);
    }

    /** Where {@link #get} found what it wrote. */
    public enum GetOutcome {
        /** The repository has neither the file nor, for a segment, a {@code .stream} object. */
        ABSENT,
        /** The file as archived. */
        COMPLETE,
        /** Only what {@code wal-receive} streamed of the segment, padded with zeros to its size. */
        STREAMED,
        /**
         * Only streamed, and the caller's own copy of the segment already holds every streamed
         * byte: nothing written, so that PostgreSQL reads its own copy, which may hold more.
         */
        HELD_LOCALLY
    }

    /**
     * Writes the WAL file {@code name} to {@code dest}, checksum verified and checked against its
     * name (see {@link WalContentCheck}), through a temporary file renamed into place: PostgreSQL
     * never sees a partial file, nor another segment's bytes under this name. Returns false,
     * writing nothing, when the repository does not have it; throws {@link
     * MisplacedWalException} when what it has is not that file. Never serves a {@code .stream}
     * object: see {@link #getOrStreamed} for that.
     */
    public boolean get(WalFileName name, Path dest) throws IOException {
        return fetch(name, dest);
    }

    /**
     * As {@link #get}, but for a segment the repository has only as a {@code .stream} object
     * (streamed by {@code wal-receive}, the host lost before the segment was complete), that
     * object padded with zeros to the segment size: recovery replays to its last streamed record
     * and ends there as at the end of any WAL. A complete segment always wins over a stream.
     *
     * <p>{@code localCopy} is the segment as the caller already has it ({@code pg_wal/<name>}),
     * absent or not. PostgreSQL prefers what restore_command gives over its own pg_wal, and keeps
     * a standby's restored segment in place of its own: a stream shorter than a standby's copy
     * would cut WAL it had received, and its promotion, which reads its last record again, would
     * stop with a PANIC. So a stream is served only when it holds bytes the local copy lacks.
     */
    public GetOutcome getOrStreamed(WalFileName name, Path dest, Path localCopy) throws IOException {
        if (get(name, dest)) {
            return GetOutcome.COMPLETE;
        }
        if (name.kind() != WalFileKind.SEGMENT) {
            return GetOutcome.ABSENT;
        }
        // Through a file, never in memory: a segment may be 1 GiB, and archive-get runs in
        // whatever heap its machine gives it, during the recovery that needs it. A name apart
        // from the one get() writes through, which this method calls meanwhile.
        try (TemporaryFile streamed = TemporaryFile.beside(dest.resolveSibling(dest.getFileName() + ".stream"))) {
            Path temp = streamed.path();
            long end = streamInto(name, temp);
            if (end < WalSegmentHeader.LENGTH) {
                // Nothing streamed; or the receiver completed the segment between the two looks.
                return get(name, dest) ? GetOutcome.COMPLETE : GetOutcome.ABSENT;
            }
            if (get(name, dest)) {
                return GetOutcome.COMPLETE; // completed while the stream was read
            }
            if (begins(localCopy, temp, end)) {
                return GetOutcome.HELD_LOCALLY;
            }
            install(name, temp, true, layout.walKey(name.as(WalFileKind.STREAM)), dest);
            return GetOutcome.STREAMED;
        }
    }

    /**
     * Whether the file {@code local} begins with the whole of {@code file}, {@code length} bytes:
     * the same WAL, up to their end at least. Compared a block at a time by the JDK.
     */
    private static boolean begins(Path local, Path file, long length) throws IOException {
        if (local == null || !Files.isRegularFile(local)) {
            return false;
        }
        long differsAt = Files.mismatch(file, local); // -1 when equal; the shorter one's size when it begins the other
        return differsAt < 0 || differsAt >= length;
    }

    /**
     * Writes what was streamed of {@code segment} to {@code file}, from its start, and returns its
     * length; the file is made only once there is a byte to write (most calls find nothing).
     */
    private long streamInto(WalFileName segment, Path file) throws IOException {
        FileChannel[] ch = new FileChannel[1];
        try {
            // A read that starts again (a part folded away under it) writes from offset 0 again.
            long end = streams().read(segment, () -> (offset, buf, from, length) -> {
                if (ch[0] == null) {
                    TemporaryFile.sweep(file.toAbsolutePath().getParent()); // as write() does
                    ch[0] = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                            StandardOpenOption.TRUNCATE_EXISTING);
                }
                ByteBuffer b = ByteBuffer.wrap(buf, from, length);
                while (b.hasRemaining()) {
                    ch[0].write(b, offset + b.position() - from);
                }
            }).end();
            if (ch[0] != null) {
                ch[0].truncate(end);
            }
            return end;
        } finally {
            if (ch[0] != null) {
                ch[0].close();
            }
        }
    }

    /** Whether the repository has anything streamed of segment {@code name}: its {@code .stream} object or parts, one listing. */
    public boolean hasStream(WalFileName name) throws IOException {
        if (name.kind() != WalFileKind.SEGMENT) {
            return false;
        }
        String streamKey = layout.walKey(name.as(WalFileKind.STREAM));
        try (java.util.stream.Stream<dev.pgvault.storage.BlobInfo> s = repo.blobs().list(streamKey)) {
            return s.map(dev.pgvault.storage.BlobInfo::key).anyMatch(k -> k.equals(streamKey) || StreamedWal.isPart(k));
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private boolean fetch(WalFileName name, Path dest) throws IOException {
        String key = layout.walKey(name);
        InputStream in;
        try {
            in = repo.get(key);
        } catch (BlobNotFoundException e) {
            return false;
        }
        write(name, in, key, dest);
        return true;
    }

    /** {@code in} to {@code dest} through a temporary file, checked as {@code name}. */
    private void write(WalFileName name, InputStream in, String key, Path dest) throws IOException {
        TemporaryFile.sweep(dest.toAbsolutePath().getParent()); // what fetchers killed outright left there
        // A name of its own per writer: two fetches of one file (two resident archivers on a
        // spool removed and made again, say) sharing a temporary file would write into one inode,
        // and the first rename would hand PostgreSQL a file the second is still writing.
        try (TemporaryFile temp = TemporaryFile.beside(dest)) {
            try (in; OutputStream out = Files.newOutputStream(temp.path())) {
                // The decoder verifies the checksum before its last read returns: a bad object
                // throws here, and the temporary file is removed on close.
                in.transferTo(out);
            }
            install(name, temp.path(), false, key, dest);
        }
    }

    /**
     * Renames {@code temp} to {@code dest} once it is checked as {@code name} ({@code key} names
     * where it came from in a refusal); padded with zeros to the segment size first when asked.
     * No fsync: recovery reads the file at once, and after a crash PostgreSQL asks for it again.
     */
    private void install(WalFileName name, Path temp, boolean pad, String key, Path dest) throws IOException {
        if (pad) {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                if (ch.size() < cluster.walSegmentSize()) {
                    // PostgreSQL refuses a short segment; zeros read as the end of WAL.
                    ch.write(ByteBuffer.wrap(new byte[1]), cluster.walSegmentSize() - 1);
                }
            }
        }
        Optional<String> why = mismatch(name, temp);
        if (why.isPresent()) {
            throw new MisplacedWalException(why.get() + " (" + key + " in " + repo.describe()
                    + "): not handed to PostgreSQL");
        }
        Files.move(temp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String sha256(InputStream stream) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(stream, md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
