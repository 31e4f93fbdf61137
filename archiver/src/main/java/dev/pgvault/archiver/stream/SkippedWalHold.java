package dev.pgvault.archiver.stream;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.backup.BackupCatalog;
import dev.pgvault.archiver.backup.BackupHeader;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.TimelineHistory;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The holds a receiver keeps on the flush position it reports, one per gap of WAL skipped
 * without a slot ({@link SkippedWal}): it reports nothing past the earliest gap still open.
 * Each gap is recorded in the repository ({@link SkippedWalRecord}) before anything past it is
 * stored, and taken up by every receiver that starts on a history through it. A gap closes
 * when the repository holds all its segments, or when a complete backup starts after it on its
 * history (a restore from that backup needs none of it); its record is then removed. Gaps are
 * held apart, so that one that can never be filled holds the reports no longer than it must.
 *
 * <p>A receiver with a slot takes gaps up too: its reports, and so the slot's restart position,
 * stay at the gap's start, and the server keeps its WAL from there meanwhile. A record that is
 * not on the server's history, or that cannot be true of it, is left in the repository.
 */
final class SkippedWalHold {
    /** How often the open gaps are looked for in the repository, at most {@link #LOOK_BUDGET_NANOS} a time. */
    private static final long LOOK_EVERY_NANOS = Duration.ofSeconds(1).toNanos();
    private static final long LOOK_BUDGET_NANOS = Duration.ofMillis(200).toNanos();
    /** How often the backups are listed while a gap is open: a listing of every backup's objects. */
    private static final long BACKUPS_EVERY_NANOS = Duration.ofSeconds(10).toNanos();
    private static final long REPEAT_NANOS = Duration.ofSeconds(60).toNanos();

    /** One gap: its record's key, the record, and the segments that fill it. */
    private record Gap(String key, SkippedWalRecord record, SkippedWal wal) {}

    /** Where a complete backup's WAL lies: what {@link SkippedWal#passedBy} needs of it. */
    private record BackupSpan(String id, int timeline, Lsn start, Lsn stop) {}

    private final EncodedStore repo;
    private final RepositoryLayout layout;
    private final String receiverName;
    private final long segmentSize;
    private final Consumer<String> log;
    private final Consumer<String> complain;
    private final List<Gap> gaps = new ArrayList<>();
    /** Backups read so far, by id; a manifest that failed to read is not here, and is read again. */
    private final Map<String, BackupSpan> backups = new HashMap<>();
    private long lookedAt;
    private long backupsListedAt;
    private long saidAt;

    /**
     * @param log where the hold says what it does
     * @param complain where a failing repository is said (the receiver repeats a complaint once a minute at most)
     */
    SkippedWalHold(EncodedStore repo, RepositoryLayout layout, String receiverName, long segmentSize, Consumer<String> log,
            Consumer<String> complain) {
        this.repo = repo;
        this.layout = layout;
        this.receiverName = receiverName;
        this.segmentSize = segmentSize;
        this.log = log;
        this.complain = complain;
    }

    boolean isEmpty() {
        return gaps.isEmpty();
    }

    /** What may be reported flushed: {@code durable}, and never past the start of an open gap. */
    Lsn reportable(Lsn durable) {
        Lsn at = durable;
        for (Gap g : gaps) {
            if (g.wal().from().compareTo(at) < 0) {
                at = g.wal().from();
            }
        }
        return at;
    }

    /**
     * Takes up the gaps recorded in the repository on {@code history}: by this receiver before it
     * was restarted, or by another node's before a failover. A gap is held no further than the
     * segment of {@code serverFlushed} (a record of an old primary's may reach past what the new
     * one wrote); one that begins past it cannot be on this server's WAL: said, and not held.
     */
    void takeUp(TimelineHistory history, Lsn serverFlushed) throws IOException {
        gaps.clear();
        for (Map.Entry<String, SkippedWalRecord> e : SkippedWalRecord.readAll(repo, layout, log).entrySet()) {
            SkippedWalRecord r = e.getValue();
            if (!r.onHistory(history)) {
                continue;
            }
            if (r.until().compareTo(r.from()) <= 0 || r.until().value() % segmentSize != 0) {
                // a receiver records where streaming resumed, a segment start past the gap's start
                log.accept("record of skipped WAL " + e.getKey() + " names a gap from " + r.from() + " to " + r.until()
                        + ", which no receiver writes (damaged?): it holds nothing back");
                continue;
            }
            if (r.from().compareTo(serverFlushed) > 0) {
                log.accept("record of skipped WAL " + e.getKey() + " names a gap from " + r.from() + " to " + r.until()
                        + ", which cannot be on the server's WAL (flushed to " + serverFlushed + "): it holds nothing back");
                continue;
            }
            // no further than the end of the segment the server is writing (a segment start ends one)
            long segmentsFlushed = (serverFlushed.value() + segmentSize - 1) / segmentSize;
            Lsn cap = new Lsn(segmentsFlushed * segmentSize);
            Lsn until = r.until().compareTo(cap) > 0 ? cap : r.until();
            SkippedWal wal = new SkippedWal(r.from(), until, history, segmentSize);
            if (!wal.isEmpty()) {
                gaps.add(new Gap(e.getKey(), r, wal));
                log.accept("WAL from " + r.from() + " to " + until + " was skipped by a receiver (" + e.getKey()
                        + ") and may be missing from the repository: until it holds it, or a backup is taken after it,"
                        + " the flush position reported stays at " + r.from() + " (with a slot, so does the slot's restart"
                        + " position: the server keeps its WAL from there meanwhile)");
            }
        }
        begin();
    }

    /**
     * Holds for WAL from {@code from} (where the receiver's WAL ended) to {@code resumeAt} (a
     * segment start on {@code history}'s timeline), recorded in the repository first; false when
     * they share a segment and nothing was skipped.
     */
    boolean skip(Lsn from, Lsn resumeAt, TimelineHistory history) throws IOException {
        SkippedWal wal = new SkippedWal(from, resumeAt, history, segmentSize);
        if (wal.isEmpty()) {
            return false;
        }
        int tli = StreamStart.timelineOf(history, from);
        SkippedWalRecord record = new SkippedWalRecord(tli, from, resumeAt);
        String key = layout.receiverSkippedKey(receiverName, tli, from);
        // Held before the record is stored: a session that fails here begins the next one at the gap again.
        gaps.removeIf(g -> g.key().equals(key));
        gaps.add(new Gap(key, record, wal));
        begin();
        record.store(repo, key);
        return true;
    }

    /**
     * The receiver streams a new timeline from {@code streamFrom} itself: what each gap holds
     * beyond that is its to store. A gap left empty closes; the record of one cut shorter keeps
     * the longer gap, whose cut-off segments this receiver is storing complete.
     */
    void cutAt(Lsn streamFrom, TimelineHistory history) {
        List<Gap> cut = new ArrayList<>();
        for (Gap g : gaps) {
            SkippedWal shorter = g.wal().cutAt(streamFrom, history, segmentSize);
            if (shorter.isEmpty()) {
                log.accept("the WAL skipped from " + g.wal().from() + " is no longer needed: streaming follows timeline "
                        + history.timeline() + " from " + streamFrom);
                forget(g);
            } else {
                cut.add(new Gap(g.key(), g.record(), shorter));
            }
        }
        gaps.clear();
        gaps.addAll(cut);
    }

    /** Forgets the gaps here, keeping their records: the server was demoted, and they are taken up again. */
    void drop() {
        gaps.clear();
    }

    /** Whether a look is due at {@code now} (System.nanoTime). */
    boolean due(long now) {
        return !gaps.isEmpty() && now - lookedAt >= LOOK_EVERY_NANOS;
    }

    /**
     * Looks for the open gaps' segments in the repository (for a bounded time), and every {@link
     * #BACKUPS_EVERY_NANOS} for a backup taken after them; closes each gap found filled or passed.
     * True when a gap closed, so the position is to be reported at once. A failing repository is
     * complained of, and the gaps stay held.
     */
    boolean look(SkippedWal.Stored stored) {
        lookedAt = System.nanoTime();
        boolean closed = false;
        long deadline = lookedAt + LOOK_BUDGET_NANOS;
        for (Iterator<Gap> it = gaps.iterator(); it.hasNext();) {
            Gap g = it.next();
            try {
                if (!g.wal().filled(stored, Math.max(0, deadline - System.nanoTime()))) {
                    continue;
                }
            } catch (IOException e) {
                complain.accept("repository " + repo.describe() + ": looking for the WAL skipped from " + g.wal().from()
                        + ": " + e.getMessage());
                break; // the others next time; a backup may still pass them below
            }
            log.accept("the repository now holds the WAL skipped from " + g.wal().from()
                    + ": the flush position reported follows the repository again");
            it.remove();
            forget(g);
            closed = true;
        }
        if (!gaps.isEmpty() && lookedAt - backupsListedAt >= BACKUPS_EVERY_NANOS) {
            backupsListedAt = lookedAt;
            closed |= closePassedGaps();
        }
        if (!gaps.isEmpty() && lookedAt - saidAt >= REPEAT_NANOS) {
            saidAt = lookedAt;
            SkippedWal first = gaps.stream().map(Gap::wal).min((a, b) -> a.from().compareTo(b.from())).orElseThrow();
            log.accept("the repository still lacks " + first.missing() + " segment(s) of the WAL skipped from " + first.from()
                    + ", first " + first.firstMissing().name() + ": the flush position reported stays there (synchronous"
                    + " commits wait) until archive_command stores them or a backup is taken after them");
        }
        return closed;
    }

    /** Closes the gaps a complete backup started after; true when one closed. */
    private boolean closePassedGaps() {
        List<BackupSpan> spans;
        try {
            spans = newestBackups();
        } catch (IOException e) {
            complain.accept("repository " + repo.describe() + ": looking for a backup taken after WAL skipped: "
                    + e.getMessage());
            return false;
        }
        boolean closed = false;
        for (Iterator<Gap> it = gaps.iterator(); it.hasNext();) {
            Gap g = it.next();
            Optional<BackupSpan> passing = spans.stream()
                    .filter(b -> g.wal().passedBy(b.timeline(), b.start(), b.stop())).findFirst();
            if (passing.isPresent()) {
                BackupSpan b = passing.get();
                log.accept("backup " + b.id() + " starts at " + b.start() + ", after the WAL skipped from " + g.wal().from()
                        + " to " + g.wal().until() + ": a restore from it needs none of that WAL, so the flush position"
                        + " reported follows the repository again (older backups cannot be recovered across the gap)");
                it.remove();
                forget(g);
                closed = true;
            }
        }
        return closed;
    }

    /**
     * The complete backups, newest first, down to the first on the gaps' history that starts
     * before every open gap's end (older ones on it start earlier still; one of another branch,
     * a point-in-time restore's timeline, says nothing of them). A manifest that cannot be read
     * is said and passed over, and read again at the next listing.
     */
    private List<BackupSpan> newestBackups() throws IOException {
        Lsn lowestEnd = gaps.stream().map(g -> g.wal().until()).min(Lsn::compareTo).orElseThrow();
        BackupCatalog catalog = new BackupCatalog(repo, layout);
        List<String> ids = catalog.completeIds();
        List<BackupSpan> out = new ArrayList<>();
        for (int i = ids.size() - 1; i >= 0; i--) {
            String id = ids.get(i);
            BackupSpan span = backups.get(id);
            if (span == null) {
                try {
                    BackupHeader m = catalog.header(id); // its span only: no file lists parsed
                    span = new BackupSpan(id, m.timeline(), m.startLsn(), m.stopLsn());
                    backups.put(id, span);
                } catch (IOException e) {
                    complain.accept(e.getMessage());
                    continue;
                }
            }
            out.add(span);
            BackupSpan b = span;
            if (b.start().compareTo(lowestEnd) < 0 && gaps.stream().anyMatch(g -> g.wal().onHistory(b.timeline(), b.stop()))) {
                break; // older backups on this history started earlier still
            }
        }
        return out;
    }

    /** Removes a closed gap's record; one left behind is found closed by the next receiver to take it up. */
    private void forget(Gap g) {
        try {
            SkippedWalRecord.forget(repo, g.key(), g.record());
        } catch (IOException e) {
            complain.accept("repository " + repo.describe() + ": removing the record of skipped WAL " + g.key() + ": "
                    + e.getMessage());
        }
    }

    /** A hold begins or is taken up: said now, and the backups listed at its first look. */
    private void begin() {
        saidAt = System.nanoTime();
        backupsListedAt = saidAt - BACKUPS_EVERY_NANOS;
    }
}
