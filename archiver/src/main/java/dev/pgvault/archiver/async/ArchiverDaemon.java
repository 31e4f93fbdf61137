package dev.pgvault.archiver.async;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.WalArchive;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The resident archiver of one stanza and spool: pushes ready segments ahead of PostgreSQL's
 * archive_command calls ({@link AsyncPusher}) and fetches ahead of its restore_command calls
 * ({@link AsyncFetcher}), recording both in the {@link Spool}. Started by the first call that needs
 * it, it exits after {@code idleExit} without work. One per spool: a second one finds the lock
 * taken and returns at once. Killed at any moment, it leaves nothing recorded that is not done:
 * every record is written after the work, through a rename.
 */
public final class ArchiverDaemon {
    /** How often the spool and pg_wal are looked at: well under a call's wait. */
    static final Duration TICK = Duration.ofMillis(50);
    /**
     * How often, between passes, a new request of recovery's is looked for: a promotion makes
     * several calls in a row, each waiting for this archiver's answer.
     */
    static final Duration REQUEST_POLL = Duration.ofMillis(10);

    private final EncodedStore repo;
    private final RepositoryLayout layout;
    private final Spool spool;
    private final int pushMax;
    private final int getAhead;
    private final Duration idleExit;
    private final Clock clock;
    private final Consumer<String> log;
    private final Supplier<Optional<String>> stop;

    public ArchiverDaemon(EncodedStore repo, RepositoryLayout layout, Spool spool, int pushMax, int getAhead,
            Duration idleExit, Clock clock, Consumer<String> log) {
        this(repo, layout, spool, pushMax, getAhead, idleExit, clock, log, Optional::empty);
    }

    /**
     * {@code stop}: asked every pass; a reason ends the archiver at once (its configuration file
     * changed: what it pushes to may no longer be where the calls expect).
     */
    public ArchiverDaemon(EncodedStore repo, RepositoryLayout layout, Spool spool, int pushMax, int getAhead,
            Duration idleExit, Clock clock, Consumer<String> log, Supplier<Optional<String>> stop) {
        this.repo = repo;
        this.layout = layout;
        this.spool = spool;
        this.pushMax = pushMax;
        this.getAhead = getAhead;
        this.idleExit = idleExit;
        this.clock = clock;
        this.log = log;
        this.stop = stop;
    }

    /** Runs until idle for {@code idleExit}; false at once when another archiver holds the spool. */
    public boolean run() throws IOException, InterruptedException {
        spool.create();
        try (FileChannel lockChannel = FileChannel.open(spool.lockFile(), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by this very process
            }
            if (lock == null) {
                return false;
            }
            Spool.writeAtomically(spool.protocolFile(), Spool.PROTOCOL + "\n"); // first: calls trust the spool by it
            Object lockKey = lockKey();
            Spool.writeAtomically(spool.pidFile(), ProcessHandle.current().pid() + "\n");
            ClusterIdentity cluster = new StanzaStore(repo, layout).requireIdentity();
            WalArchive archive = new WalArchive(repo, layout, cluster);
            ExecutorService pushers = Executors.newFixedThreadPool(pushMax, threads("pgvault-push"));
            FetchQueue fetchers = new FetchQueue(Math.max(2, Math.min(4, pushMax)), threads("pgvault-fetch"));
            try {
                AsyncPusher pusher = new AsyncPusher(archive, spool, pushers, log);
                AsyncFetcher fetcher = new AsyncFetcher(repo, layout, archive, spool, cluster.walSegmentSize(), getAhead,
                        idleExit, fetchers, log);
                fetcher.clearPending();
                log.accept("started (process " + ProcessHandle.current().pid() + ", push-max " + pushMax + ", get-ahead "
                        + getAhead + ")");
                Instant lastWork = clock.instant();
                String lastStatus = "";
                while (true) {
                    Optional<String> why = stop.get();
                    if (why.isPresent()) {
                        log.accept(why.get() + ": exiting");
                        break;
                    }
                    if (lockKey != null && !lockKey.equals(lockKey())) { // null: no file keys here
                        // the spool was removed (or its lock replaced) under it: an archiver started
                        // since holds the new lock, and two fetching one file into one spool race;
                        // the next call that reaches the JVM starts one again if none runs
                        log.accept("the spool's lock file was removed or replaced: exiting");
                        break;
                    }
                    Instant now = clock.instant();
                    spool.create(); // removed under it: made again
                    boolean work = pusher.tick(now) | fetcher.tick(now) | pusher.busy() | fetcher.busy();
                    if (work) {
                        lastWork = now;
                    } else if (Duration.between(lastWork, now).compareTo(idleExit) >= 0) {
                        log.accept("idle for " + idleExit.toSeconds() + " s: exiting");
                        break;
                    }
                    lastStatus = writeStatus(pusher.status(), fetcher.status(), lastStatus);
                    for (long slept = 0; slept < TICK.toMillis(); slept += REQUEST_POLL.toMillis()) {
                        Thread.sleep(REQUEST_POLL.toMillis());
                        fetcher.answerNewRequest();
                    }
                }
                fetcher.dropFetchesAhead(); // what recovery asked for still completes below
            } finally {
                pushers.shutdown();
                fetchers.close();
                pushers.awaitTermination(1, TimeUnit.MINUTES);
                fetchers.awaitTermination(1, TimeUnit.MINUTES);
                // only its own: a retired archiver must not take its successor's away (the
                // launcher waits on a pushed or fetched file only while that process lives)
                if (Spool.read(spool.pidFile()).map(p -> p.strip().equals(String.valueOf(ProcessHandle.current().pid())))
                        .orElse(false)) {
                    java.nio.file.Files.deleteIfExists(spool.pidFile());
                }
            }
            return true;
        }
    }

    /** The lock file's identity (device and inode), null when it is gone. */
    private Object lockKey() throws IOException {
        try {
            return java.nio.file.Files.readAttributes(spool.lockFile(),
                    java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }

    private String writeStatus(Map<String, Object> push, Map<String, Object> fetch, String last) throws IOException {
        Map<String, Object> all = new TreeMap<>();
        all.put("pid", ProcessHandle.current().pid());
        all.putAll(push);
        all.putAll(fetch);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.writeStartObject();
            for (Map.Entry<String, Object> e : all.entrySet()) {
                if (e.getValue() == null) {
                    g.writeNullField(e.getKey());
                } else if (e.getValue() instanceof Number n) {
                    g.writeNumberField(e.getKey(), n.longValue());
                } else {
                    g.writeStringField(e.getKey(), e.getValue().toString());
                }
            }
            g.writeEndObject();
        }
        String text = out.toString(StandardCharsets.UTF_8);
        if (!text.equals(last)) {
            Spool.writeAtomically(spool.statusFile(), text + "\n");
        }
        return text;
    }

    /** The status the running (or last) archiver wrote, as JSON text; empty when there is none. */
    public static Optional<String> status(Spool spool) throws IOException {
        return Spool.read(spool.statusFile()).map(String::strip);
    }

    private static ThreadFactory threads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
