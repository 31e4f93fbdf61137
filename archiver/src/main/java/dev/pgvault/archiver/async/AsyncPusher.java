package dev.pgvault.archiver.async;

import dev.pgvault.archiver.WalArchive;
import dev.pgvault.archiver.wal.WalFileName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

/**
 * The push side of the resident archiver: pushes every segment PostgreSQL has marked ready
 * ({@code pg_wal/archive_status/*.ready}), oldest first, {@code pushMax} at a time, ahead of the
 * archive_command calls, and records each one in the spool once it is durable in the repository.
 * A push that fails is retried with a backoff doubling from 1 s to a minute, and logged once a
 * minute; nothing is ever recorded that was not stored, and nothing is dropped: the segments stay
 * in pg_wal until PostgreSQL's own call succeeds.
 */
final class AsyncPusher {
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

    private final WalArchive archive;
    private final Spool spool;
    private final ExecutorService workers;
    private final Consumer<String> log;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Map<String, Failure> failures = new ConcurrentHashMap<>();
    private volatile String lastPushed;
    private volatile Instant lastPushedAt;
    private volatile String lastFailure;
    private volatile Instant lastFailureAt;
    private Instant lastLogged = Instant.EPOCH;
    private int queued;

    private record Failure(int attempts, Instant retryAt) {}

    AsyncPusher(WalArchive archive, Spool spool, ExecutorService workers, Consumer<String> log) {
        this.archive = archive;
        this.spool = spool;
        this.workers = workers;
        this.log = log;
    }

    /** One pass: starts pushes for what is ready and not yet pushed; true while anything is ready. */
    boolean tick(Instant now) throws IOException {
        Path walDir = spool.walDir().orElse(null);
        if (walDir == null) {
            return false;
        }
        TreeSet<String> ready = new TreeSet<>();
        for (String f : Spool.names(walDir.resolve("archive_status"))) {
            if (f.endsWith(".ready")) {
                String name = f.substring(0, f.length() - ".ready".length());
                if (isWalName(name)) {
                    ready.add(name);
                }
            }
        }
        int waiting = 0;
        for (String name : ready) {
            if (inFlight.contains(name) || pushedAlready(walDir, name)) {
                continue;
            }
            waiting++;
            Failure f = failures.get(name);
            if (f != null && now.isBefore(f.retryAt())) {
                continue;
            }
            inFlight.add(name);
            workers.submit(() -> push(walDir, name));
        }
        queued = waiting;
        forgetDone(ready);
        if (lastFailure != null && lastFailureAt != null && Duration.between(lastLogged, now).toSeconds() >= 60
                && !failures.isEmpty()) {
            log.accept(failures.size() + " segments waiting to be pushed; last failure: " + lastFailure);
            lastLogged = now;
        }
        return !ready.isEmpty();
    }

    private boolean pushedAlready(Path walDir, String name) throws IOException {
        try {
            return spool.pushed(walDir.resolve(name));
        } catch (NoSuchFileException e) {
            return true; // gone from pg_wal: PostgreSQL is done with it
        }
    }

    private void push(Path walDir, String name) {
        Path file = walDir.resolve(name);
        try {
            SegmentStamp before = SegmentStamp.of(file);
            archive.push(file);
            SegmentStamp after = SegmentStamp.of(file);
            if (before.equals(after)) {
                spool.recordPushed(file, after);
            }
            failures.remove(name);
            lastPushed = name;
            lastPushedAt = Instant.now();
            spool.counters().pushSucceeded(lastPushedAt);
        } catch (NoSuchFileException e) {
            failures.remove(name); // recycled by PostgreSQL: its own call archived it
        } catch (Exception | Error e) {
            Failure previous = failures.get(name);
            int attempts = previous == null ? 1 : previous.attempts() + 1;
            Duration wait = FIRST_BACKOFF.multipliedBy(1L << Math.min(6, attempts - 1));
            failures.put(name, new Failure(attempts, Instant.now().plus(wait.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait)));
            String message = name + ": " + oneLine(e);
            lastFailure = message;
            lastFailureAt = Instant.now();
            spool.counters().pushFailed(name, lastFailureAt);
            try {
                spool.recordPushError(name, message);
            } catch (IOException ignored) {
                // the spool itself failing: the call falls back to pushing on its own
            }
            if (previous == null) {
                log.accept("push failed, retrying with backoff: " + message);
            }
        } finally {
            inFlight.remove(name);
        }
    }

    /**
     * Records of pushes PostgreSQL has since marked done (no .ready any more) are dropped: their
     * hard links would otherwise keep recycled segments' space.
     */
    private void forgetDone(Set<String> ready) throws IOException {
        for (String f : Spool.names(spool.pushDir())) {
            String name = f;
            for (String suffix : new String[] {".mtime", ".stamp", ".error"}) {
                if (name.endsWith(suffix)) {
                    name = name.substring(0, name.length() - suffix.length());
                }
            }
            if (isWalName(name) && !ready.contains(name) && !inFlight.contains(name)) {
                spool.forgetPush(name);
                failures.remove(name);
            }
        }
    }

    boolean busy() {
        return !inFlight.isEmpty();
    }

    Map<String, Object> status() {
        Map<String, Object> s = new HashMap<>();
        s.put("queued", queued);
        s.put("in_flight", inFlight.size());
        s.put("last_pushed", lastPushed);
        s.put("last_pushed_at", lastPushedAt == null ? null : lastPushedAt.toString());
        s.put("last_failure", lastFailure);
        s.put("last_failure_at", lastFailureAt == null ? null : lastFailureAt.toString());
        return s;
    }

    static boolean isWalName(String name) {
        try {
            WalFileName.parse(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage();
        return (m == null || m.isBlank() ? e.getClass().getSimpleName() : m).strip().replace('\n', ' ');
    }
}
