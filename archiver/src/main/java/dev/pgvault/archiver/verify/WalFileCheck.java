package dev.pgvault.archiver.verify;

import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.SpanningRecord;
import dev.pgvault.archiver.wal.TimelineHistory;
import dev.pgvault.archiver.wal.WalContentCheck;
import dev.pgvault.archiver.wal.WalSegmentEnd;
import dev.pgvault.archiver.wal.WalFileKind;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.archiver.wal.WalSegmentHeader;
import dev.pgvault.storage.BlobInfo;
import dev.pgvault.storage.BlobNotFoundException;
import dev.pgvault.storage.codec.CorruptObjectException;
import dev.pgvault.storage.codec.DecodingStream;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.codec.WrongKeyException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * Reads one archived WAL file to its end, which is where the decoder checks its SHA-256, length
 * and authentication, and checks its content against its name as archive-get does ({@link
 * WalContentCheck}): a segment's first page header (a {@code .stream} object's too), a history
 * file's lines. A complete segment is also walked record by record to its end ({@link
 * WalSegmentEnd}): a copy cut short, zeros after its last record, would end recovery there. One
 * that ends in zeros inside a record that goes on in the next segment is read with the next one,
 * archived, and that record's CRC checked ({@link SpanningRecord}).
 */
final class WalFileCheck implements Callable<CheckResult> {
    private static final int BUFFER = 64 * 1024;
    /** History files are a line per timeline switch; anything larger is not one. */
    private static final int HISTORY_MAX = 1 << 20;

    private final EncodedStore repo;
    private final BlobInfo blob;
    private final WalFileName name;
    private final WalContentCheck contentCheck;

    /** The stanza's archived timeline histories: a segment may stop where its timeline ended. */
    private final java.util.Collection<TimelineHistory> histories;
    /** Where a WAL file is archived: the next segment is read from there. */
    private final Function<WalFileName, String> keyOf;

    /** {@code contentCheck}: null to check only the object's own integrity. */
    WalFileCheck(EncodedStore repo, BlobInfo blob, WalFileName name, WalContentCheck contentCheck,
            java.util.Collection<TimelineHistory> histories, Function<WalFileName, String> keyOf) {
        this.repo = repo;
        this.blob = blob;
        this.name = name;
        this.contentCheck = contentCheck;
        this.histories = histories;
        this.keyOf = keyOf;
    }

    @Override
    public CheckResult call() throws IOException {
        // What wal-receive stored of a segment begins as the segment does (a part only where it
        // starts the segment): archive-get serves it under the segment's name, so its header is checked too.
        boolean streamed = contentCheck != null && (name.kind() == WalFileKind.STREAM
                || name.kind() == WalFileKind.STREAM_PART && name.streamPartOffset() == 0);
        boolean segment = streamed
                || contentCheck != null && (name.kind() == WalFileKind.SEGMENT || name.kind() == WalFileKind.PARTIAL);
        boolean history = contentCheck != null && name.kind() == WalFileKind.HISTORY;
        // up to 64 MiB (PostgreSQL's default is 16): larger ones are not held per check to be walked
        boolean whole = contentCheck != null && name.kind() == WalFileKind.SEGMENT && contentCheck.segmentSize() <= 64L << 20;
        ByteArrayOutputStream kept = new ByteArrayOutputStream(whole ? (int) contentCheck.segmentSize() : 256);
        long size = 0;
        try (DecodingStream in = repo.get(blob.key())) {
            byte[] buf = new byte[BUFFER];
            int n;
            while ((n = in.read(buf, 0, buf.length)) >= 0) {
                long keep = whole ? contentCheck.segmentSize() - size : segment ? WalSegmentHeader.LENGTH - size
                        : history ? HISTORY_MAX - size : 0;
                if (keep > 0) {
                    kept.write(buf, 0, (int) Math.min(keep, n));
                }
                size += n;
            }
        } catch (BlobNotFoundException e) {
            // Removed since the listing (expire running at the same time): nothing was read.
            return new CheckResult(0, 0, 0, List.of());
        } catch (CorruptObjectException | WrongKeyException e) {
            return bad(ProblemKind.CORRUPT_WAL, "is corrupt: " + e.getMessage());
        }
        byte[] head = kept.toByteArray();
        if (streamed && head.length < WalSegmentHeader.LENGTH) {
            return new CheckResult(0, 1, blob.size(), List.of()); // too little streamed to hold a header yet
        }
        Optional<String> mismatch = segment ? contentCheck.segmentMismatch(name, head, head.length, streamed ? -1 : size)
                : history ? contentCheck.historyMismatch(name, head) : Optional.empty();
        if (mismatch.isPresent()) {
            return bad(ProblemKind.MISPLACED_WAL, "does not hold what its name says: " + mismatch.get()
                    + "; archive-get refuses it");
        }
        WalSegmentEnd.Ending ending = whole ? WalSegmentEnd.ending(ByteBuffer.wrap(head)) : null;
        Optional<Lsn> stop = whole ? WalSegmentEnd.unfinishedStop(name, contentCheck.segmentSize(), ending, histories)
                : Optional.empty();
        if (stop.isPresent()) {
            return bad(ProblemKind.UNFINISHED_WAL, "is not finished: its WAL stops at " + stop.get()
                    + " and only zeros follow, with no switch record before them and no timeline ending there;"
                    + " recovery through it ends there");
        }
        if (whole && ending.zerosUnexplained() && ending.spanningStart() >= 0 && head.length == contentCheck.segmentSize()
                && lastRecordFailsItsCrc(head, ending.spanningStart())) {
            Lsn at = new Lsn(name.segmentNumber(contentCheck.segmentSize()) * contentCheck.segmentSize()
                    + ending.spanningStart());
            return bad(ProblemKind.UNFINISHED_WAL, "is not finished: its last record, from " + at + ", fails its CRC"
                    + " (completed from " + next().name() + " where it goes on there), and this copy ends in zeros (a copy"
                    + " cut inside that record and padded); recovery through it ends there");
        }
        return new CheckResult(0, 1, blob.size(), List.of());
    }

    private WalFileName next() {
        long size = contentCheck.segmentSize();
        return WalFileName.parse(WalFileName.segmentName(name.timeline(), name.segmentNumber(size) + 1, size));
    }

    /**
     * Whether the record this segment ends with (beginning at {@code start} and reaching its end)
     * fails its CRC, completed from the next archived segment where it goes on there; false when
     * it holds, or cannot be told (the next segment not archived, unreadable, or not continuing
     * the record).
     */
    private boolean lastRecordFailsItsCrc(byte[] segment, int start) {
        long size = contentCheck.segmentSize();
        byte[] following;
        try (DecodingStream in = repo.get(keyOf.apply(next()))) {
            following = in.readNBytes((int) size + 1);
        } catch (IOException e) {
            following = null; // missing or damaged: its own check reports that; a record ending here is checked alone
        }
        if (following != null && (following.length != size
                || WalSegmentEnd.ending(ByteBuffer.wrap(following)).stop().isPresent())) {
            following = null; // the next one cut short itself: it is the one reported, not this one
        }
        Optional<Boolean> holds = SpanningRecord.crcMatches(ByteBuffer.wrap(segment), start,
                following == null ? null : ByteBuffer.wrap(following));
        return holds.isPresent() && !holds.get();
    }

    private CheckResult bad(ProblemKind kind, String what) {
        return new CheckResult(0, 1, blob.size(), List.of(Problem.wal(kind, Severity.ERROR, blob.key(), name.name(),
                "WAL file " + name.name() + " (" + blob.key() + ") " + what)));
    }
}
