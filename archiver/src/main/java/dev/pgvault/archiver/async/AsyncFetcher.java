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
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

/**
 * The fetch side of the resident archiver: while recovery asks for WAL, fetches the next {@code
 * getAhead} segments after the one it asked for last into the spool, each checked as archive-get
 * checks it and renamed into place only when complete, so that the next calls find them there;
 * and the history files recovery reads or probes for. What the repository lacks is marked
 * {@code .missing} for at most {@link #MISSING_RETRY}: the launcher answers "not found" from that
 * mark while it is fresh, then it is asked again.
 * Which timeline each next segment is read from follows the newest timeline's history, as
 * PostgreSQL's recovery does (recovery_target_timeline = latest). Segments the recovery has
 * passed, judged by LSN whatever their timeline, leave the spool: it never grows past the window.
 */
final class AsyncFetcher {
    /** How long a segment the repository lacked stays unasked: a standby waits for its primary's next one. */
    private static final Duration MISSING_RETRY = Duration.ofSeconds(1);
    /** How often the newest timeline is looked for again. */
    private static final Duration TIMELINE_PROBE = Duration.ofSeconds(10);

    private final EncodedStore repo;
    private final RepositoryLayout layout;
    private final WalArchive archive;
    private final Spool spool;
    private final long segmentSize;
    private final int getAhead;
    private final ExecutorService workers;
    private final Consumer<String> log;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Map<String, Instant> missingSince = new ConcurrentHashMap<>();
    private final Map<Integer, TimelineHistory> histories = new HashMap<>();
    private TimelineHistory target;
    private Instant probedAt = Instant.EPOCH;
    private String lastRequested;
    private volatile String lastFailure;

    AsyncFetcher(EncodedStore repo, RepositoryLayout layout, WalArchive archive, Spool spool, long segmentSize,
            int getAhead, ExecutorService workers, Consumer<String> log) {
        this.repo = repo;
        this.layout = layout;
        this.archive = archive;
        this.spool = spool;
        this.segmentSize = segmentSize;
        this.getAhead = getAhead;
        this.workers = workers;
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

    /**
     * The file whose modification time is {@link #MISSING_RETRY} before this pass: the launcher
     * answers "not found" only from a mark newer than it. Without it a mark left by an earlier
     * recovery, or by a standby that waited for its primary's next segment, would end a later
     * archive recovery early at a segment the repository has since received.
     */
    static final String FRESH_AFTER = ".missing-fresh-after";

    /** One pass; true when recovery asked for something new since the last pass. */
    boolean tick(Instant now) throws IOException {
        Path limit = spool.getDir().resolve(FRESH_AFTER);
        if (!Files.exists(limit)) {
            Files.writeString(limit, "");
        }
        Files.setLastModifiedTime(limit, java.nio.file.attribute.FileTime.from(now.minus(MISSING_RETRY)));
        Optional<WalFileName> asked = spool.requested();
        if (asked.isEmpty() || asked.get().kind() != WalFileKind.SEGMENT) {
            return false;
        }
        WalFileName requested = asked.get();
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
            inFlight.add(name);
            // Pending first, then the stale "missing" goes: a call waits rather than answering from it.
            Files.writeString(spool.getDir().resolve(name + ".pending"), "");
            Files.deleteIfExists(spool.getDir().resolve(name + ".missing"));
            workers.submit(() -> fetch(name));
        }
        return moved;
    }

    private void fetch(String name) {
        Path pending = spool.getDir().resolve(name + ".pending");
        try {
            if (archive.get(WalFileName.parse(name), spool.getDir().resolve(name))) {
                missingSince.remove(name);
                Files.deleteIfExists(spool.getDir().resolve(name + ".missing"));
            } else {
                missingSince.put(name, Instant.now());
                Files.writeString(spool.getDir().resolve(name + ".missing"), "");
            }
        } catch (Exception | Error e) {
            // The call for it fetches it itself, and reports what is wrong with the exit code recovery needs.
            lastFailure = name + ": " + AsyncPusher.oneLine(e);
            missingSince.put(name, Instant.now());
            log.accept("fetch ahead failed: " + lastFailure);
        } finally {
            try {
                Files.deleteIfExists(pending);
            } catch (IOException ignored) {
                // a stale marker is waited on only while this archiver runs
            }
            inFlight.remove(name);
        }
    }

    /** Files of segments that end at or before the start of {@code requested}: recovery is past them. */
    private void removePassed(long requested) throws IOException {
        for (String f : Spool.names(spool.getDir())) {
            String base = f.endsWith(".missing") ? f.substring(0, f.length() - 8) : f;
            if (f.endsWith(".missing") && !missingSince.containsKey(base)) {
                Files.deleteIfExists(spool.getDir().resolve(f)); // an earlier run's: never an answer again
                continue;
            }
            WalFileName n;
            try {
                n = WalFileName.parse(base);
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (n.kind() == WalFileKind.SEGMENT && n.segmentNumber(segmentSize) < requested && !inFlight.contains(base)) {
                Files.deleteIfExists(spool.getDir().resolve(f));
                missingSince.remove(base);
            }
        }
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
