package dev.pgvault.archiver.async;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.WalArchive;
import dev.pgvault.archiver.wal.TimelineHistory;
import dev.pgvault.archiver.wal.WalFileKind;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.storage.BlobNotFoundException;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The fetch side of the resident archiver. It fetches the very file recovery asked for last (the
 * launcher waits for it, so the call pays no JVM) and, while recovery asks for segments, the next
 * {@code getAhead} segments after it into the spool, each checked as archive-get checks it and
 * renamed into place only when complete; and the history files recovery reads or probes for.
 * What the repository lacks is marked {@code .missing}, naming the call whose request the lookup
 * answered (its pid) and stamped with the time the lookup was sent: the launcher answers "not
 * found" only from a mark that names its own call and is newer than its request, so no answer
 * predates the question (a mark from before could end an archive recovery short of WAL stored
 * since). The lookup is made after its request was read, so it needs no wait on the clock's
 * resolution. Ahead of recovery, a missing file is asked again after {@link #MISSING_RETRY}; a
 * mark made ahead names no call and answers none.
 * Which timeline each next segment is read from follows the newest timeline's history, as
 * PostgreSQL's recovery does (recovery_target_timeline = latest). Segments the recovery has
 * passed, judged by LSN whatever their timeline, leave the spool: it never grows past the window.
 */
final class AsyncFetcher {
    /** How long a segment the repository lacked stays unasked: a standby waits for its primary's next one. */
    private static final Duration MISSING_RETRY = Duration.ofSeconds(1);
    /** Suffixes of the spool's marks: see {@link Spool}. */
    static final String MISSING = ".missing";
    static final String FAILED = ".failed";
    static final String TAKEN = ".taken";
    static final String PENDING = ".pending";
    /** The caller of a fetch ahead: no call (a pid is digits). */
    static final String AHEAD = "ahead";
    /** Past this age a history file's mark is removed: no call waits that long for its answer. */
    private static final Duration STALE_HISTORY_MARK = Duration.ofMinutes(1);
    /** How often the newest timeline is looked for again. */
    private static final Duration TIMELINE_PROBE = Duration.ofSeconds(10);

    private final EncodedStore repo;
    private final RepositoryLayout layout;
    private final WalArchive archive;
    private final Spool spool;
    private final long segmentSize;
    private final int getAhead;
    /**
     * How long after its last request a recovery is followed: fetched ahead for, and probed for
     * the files the repository lacks. One that stopped asking (it ended, or its standby streams
     * now) would otherwise be probed for every second while the archiver runs, and, each probe
     * being work, the archiver would never go idle.
     */
    private final Duration follow;
    private final FetchQueue fetches;
    private final Consumer<String> log;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Map<String, Instant> missingSince = new ConcurrentHashMap<>();
    private final Map<Integer, TimelineHistory> histories = new HashMap<>();
    private TimelineHistory target;
    private Instant probedAt = Instant.EPOCH;
    private String lastRequested;
    private FileTime lastSeenRequest;
    private volatile String lastFailure;

    AsyncFetcher(EncodedStore repo, RepositoryLayout layout, WalArchive archive, Spool spool, long segmentSize,
            int getAhead, Duration follow, FetchQueue fetches, Consumer<String> log) {
        this.repo = repo;
        this.layout = layout;
        this.archive = archive;
        this.spool = spool;
        this.segmentSize = segmentSize;
        this.getAhead = getAhead;
        this.follow = follow;
        this.fetches = fetches;
        this.log = log;
    }

    /** Marks left by an archiver that was killed: nothing is being fetched now. */
    void clearPending() throws IOException {
        for (String f : Spool.names(spool.getDir())) {
            if (f.endsWith(".pending") || f.contains(".pgvault-tmp")) {
                Files.deleteIfExists(spool.getDir().resolve(f));
            }
        }
    }

    /** One pass; true when recovery asked for something new since the last pass. */
    boolean tick(Instant now) throws IOException {
        // The time first: a request rewritten in between is then seen as a new one next pass.
        Optional<FileTime> askedAt = spool.requestedAt();
        Optional<Spool.Request> asked = spool.request();
        if (asked.isEmpty() || askedAt.isEmpty()
                || Duration.between(askedAt.get().toInstant(), now).compareTo(follow) > 0) {
            return false;
        }
        answer(asked.get(), askedAt.get());
        WalFileName requested = asked.get().name();
        if (requested.kind() != WalFileKind.SEGMENT) {
            return false;
        }
        boolean moved = !requested.name().equals(lastRequested);
        lastRequested = requested.name();
        if (moved || Duration.between(probedAt, now).compareTo(TIMELINE_PROBE) >= 0) {
            target = newestTimeline(requested.timeline());
            probedAt = now;
        }
        long from = requested.segmentNumber(segmentSize);
        removePassed(from);
        List<String> wanted = new ArrayList<>();
        for (long n = from + 1; n <= from + getAhead; n++) {
            wanted.add(WalFileName.segmentName(timelineOf(n), n, segmentSize));
        }
        // The history files recovery reads: its target's, and the next timeline's, which it
        // probes for (recovery_target_timeline = latest) every time it runs out of WAL.
        if (target.timeline() > 1) {
            wanted.add(String.format("%08X.history", target.timeline()));
        }
        wanted.add(String.format("%08X.history", target.timeline() + 1));
        for (String name : wanted) {
            Path file = spool.getDir().resolve(name);
            Instant missing = missingSince.get(name);
            if (inFlight.contains(name) || Files.exists(file)
                    || missing != null && Duration.between(missing, now).compareTo(MISSING_RETRY) < 0) {
                continue;
            }
            submit(name, AHEAD, false);
        }
        return moved;
    }

    /**
     * Between passes: when a new request was written since the last look, answers it at once (a
     * stat per call, cheap enough to run every few milliseconds). A call then waits for its
     * file's fetch, not for the next pass.
     */
    void answerNewRequest() throws IOException {
        Optional<FileTime> askedAt = spool.requestedAt();
        if (askedAt.isEmpty() || askedAt.get().equals(lastSeenRequest)) {
            return;
        }
        Optional<Spool.Request> asked = spool.request();
        if (asked.isPresent()) {
            lastSeenRequest = askedAt.get();
            answer(asked.get(), askedAt.get());
        }
    }

    /**
     * Fetches the file recovery asked for unless the call has its answer: the file is in the spool
     * or was taken from it, or a mark newer than the request says the repository lacked it or
     * the fetch failed (the call then works itself, and reports what is wrong).
     */
    private void answer(Spool.Request request, FileTime askedAt) throws IOException {
        WalFileName asked = request.name();
        if (asked.kind() != WalFileKind.SEGMENT && asked.kind() != WalFileKind.HISTORY) {
            return; // the launcher sends these to the JVM
        }
        String name = asked.name();
        Path dir = spool.getDir();
        if (inFlight.contains(name)) {
            // fetched ahead, still waiting: now before the others, its lookup (sent after this
            // request) the answer to this call
            fetches.hurry(name, () -> fetch(name, request.caller()));
            return;
        }
        if (Files.exists(dir.resolve(name))
                || takenFor(name, askedAt, request.caller())
                || missingFor(name, askedAt, request.caller())
                || stamp(dir.resolve(name + FAILED)).map(t -> t.compareTo(askedAt) > 0).orElse(false)) {
            return;
        }
        submit(name, request.caller(), true);
    }

    /** Whether a mark says the repository lacked {@code name} when looked up for this very request. */
    private boolean missingFor(String name, FileTime askedAt, String caller) throws IOException {
        Path mark = spool.getDir().resolve(name + MISSING);
        if (!stamp(mark).map(t -> t.compareTo(askedAt) > 0).orElse(false)) {
            return false;
        }
        try {
            return Files.readString(mark).strip().equals(caller);
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /**
     * Whether a call took {@code name} for the request made at {@code askedAt}: after it, or in
     * the same clock tick by the call that made it. A mark of the same tick made for an earlier
     * request (recovery asking for a file again at once) is no answer: refetched, not waited out.
     */
    private boolean takenFor(String name, FileTime askedAt, String caller) throws IOException {
        int order = stamp(spool.getDir().resolve(name + TAKEN)).map(t -> t.compareTo(askedAt)).orElse(-1);
        return order > 0 || order == 0 && spool.takenBy(name).equals(caller);
    }

    private static Optional<FileTime> stamp(Path file) throws IOException {
        try {
            return Optional.of(Files.getLastModifiedTime(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /**
     * Fetches {@code name} in a worker for the call {@code caller} ({@link #AHEAD}: none);
     * {@code asked}: recovery waits for it, so before every fetch ahead.
     */
    private void submit(String name, String caller, boolean asked) throws IOException {
        inFlight.add(name);
        try {
            // Pending first: a call waits rather than falling through to the JVM.
            Files.writeString(spool.getDir().resolve(name + PENDING), "");
        } catch (IOException | RuntimeException e) {
            inFlight.remove(name); // nothing queued: the next pass asks again
            throw e;
        }
        fetches.fetch(name, asked, () -> fetch(name, caller));
    }

    /**
     * Drops every fetch ahead that has not begun (the archiver is exiting: they would only delay
     * its exit, and a successor may already own the spool); a fetch asked for still runs.
     */
    void dropFetchesAhead() {
        forget(fetches.dropWaiting(n -> true));
    }

    /** Fetches dropped from the queue: no longer in flight, their pending marks removed. */
    private void forget(List<String> dropped) {
        for (String name : dropped) {
            inFlight.remove(name); // first: a mark that cannot be removed only makes a call wait its limit
            try {
                Files.deleteIfExists(spool.getDir().resolve(name + PENDING));
            } catch (IOException e) {
                log.accept("cannot remove " + name + PENDING + ": " + AsyncPusher.oneLine(e));
            }
        }
    }

    private void fetch(String name, String caller) {
        Path pending = spool.getDir().resolve(name + PENDING);
        try {
            Instant sent = Instant.now();
            WalFileName wal = WalFileName.parse(name);
            Path file = spool.getDir().resolve(name);
            boolean got = archive.get(wal, file);
            if (!got && archive.hasStream(wal)) {
                // Only streamed so far: never spooled (the complete segment may arrive any
                // moment); the call's own JVM serves the stream, as the failed mark tells it to.
                missingSince.put(name, sent);
                mark(name + FAILED, Instant.now(), AHEAD);
            } else if (got || archive.get(wal, file)) {
                // (a second look: the receiver may have completed the segment between the two)
                missingSince.remove(name);
                Files.deleteIfExists(spool.getDir().resolve(name + MISSING));
                Files.deleteIfExists(spool.getDir().resolve(name + FAILED));
            } else {
                missingSince.put(name, sent);
                mark(name + MISSING, sent, caller);
            }
        } catch (Exception | Error e) {
            // The call for it fetches it itself, and reports what is wrong with the exit code recovery needs.
            lastFailure = name + ": " + AsyncPusher.oneLine(e);
            missingSince.put(name, Instant.now());
            log.accept("fetch failed: " + lastFailure);
            try {
                mark(name + FAILED, Instant.now(), AHEAD);
            } catch (IOException ignored) {
                // the call waits out its limit, then works itself
            }
        } finally {
            try {
                Files.deleteIfExists(pending);
            } catch (IOException ignored) {
                // a stale marker is waited on only while this archiver runs
            }
            inFlight.remove(name);
        }
    }

    /** A mark naming {@code caller}, stamped {@code at}, renamed into place: never seen with another stamp. */
    private void mark(String markName, Instant at, String caller) throws IOException {
        Path temp = spool.getDir().resolve("." + markName + ".pgvault-tmp");
        Files.writeString(temp, caller + "\n"); // a line, for the launcher's read
        Files.setLastModifiedTime(temp, FileTime.from(at));
        Files.move(temp, spool.getDir().resolve(markName), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Files of segments that end at or before the start of {@code requested}: recovery is past
     * them. Their fetches still queued are dropped. And history files' marks that answer nothing.
     */
    private void removePassed(long requested) throws IOException {
        forget(fetches.dropWaiting(n -> passed(n, requested)));
        for (String f : Spool.names(spool.getDir())) {
            String base = f;
            for (String suffix : new String[] {MISSING, FAILED, TAKEN}) {
                if (f.endsWith(suffix)) {
                    base = f.substring(0, f.length() - suffix.length());
                }
            }
            if (passed(base, requested) && !inFlight.contains(base)) {
                Files.deleteIfExists(spool.getDir().resolve(f));
                missingSince.remove(base);
            } else if (!base.equals(f) && base.endsWith(".history") && !inFlight.contains(base)) {
                // A history file's mark answers only a call asked after it, and a call waits
                // seconds: one older than a minute answers nothing, and one is left per
                // timeline recovery ever probed for.
                Optional<FileTime> at = stamp(spool.getDir().resolve(f));
                if (at.isPresent() && at.get().toInstant().isBefore(Instant.now().minus(STALE_HISTORY_MARK))) {
                    Files.deleteIfExists(spool.getDir().resolve(f));
                }
            }
        }
    }

    /** Whether {@code name} is a segment that ends at or before the start of segment {@code requested}. */
    private boolean passed(String name, long requested) {
        WalFileName n;
        try {
            n = WalFileName.parse(name);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return n.kind() == WalFileKind.SEGMENT && n.segmentNumber(segmentSize) < requested;
    }

    /** The timeline recovery reads segment {@code n} from: the newest of the target's history that began at or before it. */
    private int timelineOf(long n) {
        List<int[]> begins = new ArrayList<>(); // {timeline, first segment}
        long begin = 0;
        for (TimelineHistory.Entry e : target.ancestors()) {
            begins.add(new int[] {e.timeline(), (int) Math.min(Integer.MAX_VALUE, begin)});
            begin = e.switchPoint().segmentNumber(segmentSize);
        }
        begins.add(new int[] {target.timeline(), (int) Math.min(Integer.MAX_VALUE, begin)});
        for (int i = begins.size() - 1; i >= 0; i--) {
            if (begins.get(i)[1] <= n) {
                return begins.get(i)[0];
            }
        }
        return target.timeline();
    }

    /**
     * The newest timeline that descends from {@code tli}, found as PostgreSQL finds it: history
     * files of the timelines above, one after the other, until one is missing.
     */
    private TimelineHistory newestTimeline(int tli) throws IOException {
        TimelineHistory newest = history(tli).orElse(TimelineHistory.root(tli));
        for (int t = tli + 1; t < tli + 1000; t++) {
            Optional<TimelineHistory> h = history(t);
            if (h.isEmpty()) {
                break;
            }
            if (h.get().contains(tli)) {
                newest = h.get();
            }
        }
        return newest;
    }

    private Optional<TimelineHistory> history(int tli) throws IOException {
        if (tli == 1) {
            return Optional.of(TimelineHistory.root(1));
        }
        TimelineHistory cached = histories.get(tli);
        if (cached != null) {
            return Optional.of(cached);
        }
        WalFileName name = WalFileName.parse(String.format("%08X.history", tli));
        try (InputStream in = repo.get(layout.walKey(name))) {
            TimelineHistory h = TimelineHistory.parse(tli, in.readAllBytes());
            histories.put(tli, h);
            return Optional.of(h);
        } catch (BlobNotFoundException e) {
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    boolean busy() {
        return !inFlight.isEmpty();
    }

    Map<String, Object> status() {
        Map<String, Object> s = new HashMap<>();
        s.put("requested", lastRequested);
        s.put("fetching", inFlight.size());
        s.put("last_fetch_failure", lastFailure);
        return s;
    }
}
