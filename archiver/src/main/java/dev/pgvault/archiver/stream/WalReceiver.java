package dev.pgvault.archiver.stream;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.ForeignWalException;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaMismatchException;
import dev.pgvault.archiver.WalArchive;
import dev.pgvault.archiver.WalConflictException;
import dev.pgvault.archiver.pg.PgException;
import dev.pgvault.archiver.pg.PgSession;
import dev.pgvault.archiver.pg.PgTarget;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.TimelineHistory;
import dev.pgvault.archiver.wal.WalFileKind;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.storage.BlobInfo;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * Streams WAL from PostgreSQL over the replication protocol straight into the repository: each
 * completed segment as the object archive-push would store, the segment in progress as a
 * {@code .stream} object replaced as it grows. The flush position reported to the server (and so
 * a slot's restart position, and a synchronous commit's wait) never passes what is durable in
 * the repository.
 *
 * <p>It runs until asked to stop. A lost connection, a server that is restarting or a repository
 * that fails are retried with backoff, the segment in progress kept in memory; another cluster's
 * server, or a segment stored with different bytes, ends it with an exception.
 */
public final class WalReceiver {
    private static final Duration BACKOFF_FIRST = Duration.ofMillis(250);
    private static final Duration BACKOFF_MAX = Duration.ofSeconds(5);
    /**
     * A standby is asked again every second at most: an HA node's receiver (one on every node)
     * starts streaming within a second of its node's promotion, not up to {@link #BACKOFF_MAX} later.
     */
    private static final Duration BACKOFF_STANDBY_MAX = Duration.ofSeconds(1);
    private static final Duration REPEAT_QUIET = Duration.ofSeconds(60);
    /** In synchronous mode, what may wait unflushed while chunks keep arriving without a pause. */
    private static final int SYNC_BATCH_BYTES = 1 << 20;
    private static final long SYNC_BATCH_NANOS = Duration.ofMillis(20).toNanos();
    /**
     * After this long without WAL the server is probed with a connection of its own: a primary
     * gone silent (host lost, network cut) sends nothing, and the replication socket would wait
     * for TCP to give up, minutes later, before the receiver looked for it again.
     */
    private static final long PROBE_AFTER_NANOS = Duration.ofSeconds(10).toNanos();
    /**
     * How long an idle receiver waits on the socket at a time: short enough that a stop, a
     * status message (pgjdbc's, every second) or the probe above is not late.
     */
    private static final int IDLE_WAIT_MILLIS = 100;
    /** Sooner than this, a wait on the socket that found nothing did not wait. */
    private static final long QUICK_EMPTY_WAIT_NANOS = Duration.ofMillis(1).toNanos() / 2;


    private final PgTarget target;
    private final EncodedStore repo;
    private final RepositoryLayout layout;
    private final ClusterIdentity cluster;
    private final WalArchive archive;
    private final ReceiveOptions options;
    private final Consumer<String> log;
    private final long segmentSize;
    private final SegmentInProgress segment;
    private final AtomicReference<ReceiverStatus> status = new AtomicReference<>();
    /** The furthest end of the server's WAL it has told of (IDENTIFY_SYSTEM, then the stream's messages). */
    private Lsn serverEnd = new Lsn(0);
    private PGReplicationStream current;
    private long statusWrittenAt;
    private boolean statusWrittenConnected;
    private boolean statusComplained;
    /** Offsets of the stream parts stored for the segment in progress since its last .stream object. */
    private final List<Long> parts = new ArrayList<>();
    private long lastConsolidated = System.nanoTime();
    /**
     * Bytes of the segment in progress the repository holds already; {@link #FLOOR_UNKNOWN} until
     * read ({@link #floor}).
     */
    private int storedFloor;
    private static final int FLOOR_UNKNOWN = -1;
    private boolean positioned;
    /** WAL removed from the server before it was received, while the repository may lack it. */
    private final SkippedWalHold hold;
    private String lastComplaint = "";
    private long lastComplaintAt;

    public WalReceiver(PgTarget target, EncodedStore repo, RepositoryLayout layout, ClusterIdentity cluster,
            ReceiveOptions options, Consumer<String> log) {
        this.target = target;
        this.repo = repo;
        this.layout = layout;
        this.cluster = cluster;
        this.archive = new WalArchive(repo, layout, cluster);
        this.options = options;
        this.log = log;
        this.segmentSize = cluster.walSegmentSize();
        this.segment = new SegmentInProgress(segmentSize);
        this.hold = new SkippedWalHold(repo, layout, options.applicationName(), segmentSize, log, this::complain);
    }

    /** The latest status, or empty before the first connection. */
    public Optional<ReceiverStatus> status() {
        return Optional.ofNullable(status.get());
    }

    /**
     * Streams until {@code stop} says so. Throws {@link StanzaMismatchException} for a server of
     * another cluster, {@link WalConflictException} for a segment stored with other bytes, and
     * {@link PgException} for a slot that is missing (without create) or of the wrong kind.
     */
    public void run(BooleanSupplier stop) throws IOException, PgException, InterruptedException {
        Duration backoff = BACKOFF_FIRST;
        while (!stop.getAsBoolean()) {
            boolean standby = false;
            sessionStreamed = false;
            try {
                session(stop);
            } catch (StanzaMismatchException | WalConflictException | ForeignWalException | IllegalArgumentException e) {
                throw e; // retrying cannot help: the server or the stored WAL is not this stanza's
            } catch (NotPrimaryException e) {
                complain(e.getMessage());
                standby = true;
            } catch (PgException e) {
                if (fatal(e)) {
                    throw e;
                }
                complain(e.getMessage());
            } catch (IOException | UncheckedIOException e) {
                complain("repository " + repo.describe() + ": " + e.getMessage());
            }
            publish(false);
            writeStatusIfDue();
            if (stop.getAsBoolean()) {
                break;
            }
            // a session that streamed is retried after the first backoff however it ended (most
            // end failing): only failures in a row back off further
            backoff = sessionStreamed ? BACKOFF_FIRST
                    : min(backoff.multipliedBy(2), standby ? BACKOFF_STANDBY_MAX : BACKOFF_MAX);
            Thread.sleep(backoff.toMillis());
        }
        if (positioned) {
            try {
                leaveSegment(); // a clean stop leaves everything received durable, in one object
            } catch (IOException e) {
                log.accept("could not store the last " + (segment.received()) + " bytes of " + segment.name().name()
                        + " on stopping: " + e.getMessage());
            }
        }
        statusWrittenAt = 0; // the last word: where it stopped
        publish(false);
        writeStatusIfDue();
    }

    /** One connection; {@link #sessionStreamed} says whether it streamed. */
    private void session(BooleanSupplier stop) throws IOException, PgException, InterruptedException {
        try (ReplicationLink link = ReplicationLink.open(target, options.applicationName())) {
            ReplicationLink.ServerIdentity server = link.identify();
            try {
                link.requirePrimary();
            } catch (NotPrimaryException e) {
                if (positioned) {
                    // Demoted (or pointed at a standby): what it holds is stored, and where to
                    // begin is read again from the repository once its server is a primary.
                    leaveSegment();
                    publish(false);
                    statusWrittenAt = 0;
                    writeStatusIfDue(); // its last word as the primary's receiver
                    status.set(null);
                    positioned = false;
                    // A hold for skipped WAL stays recorded in the repository, and is taken
                    // up again (as a new process would) once the server is a primary.
                    hold.drop();
                }
                throw e;
            }
            if (server.flushed().compareTo(serverEnd) > 0) {
                serverEnd = server.flushed();
            }
            if (server.systemIdentifier() != cluster.systemIdentifier()) {
                throw new StanzaMismatchException(target + " is another cluster: system identifier "
                        + Long.toUnsignedString(server.systemIdentifier()) + ", stanza '" + layout.stanza() + "' belongs to "
                        + cluster.systemIdentifierText());
            }
            TimelineHistory history = history(link, server.timeline());
            Optional<ReplicationLink.SlotPosition> slot = prepareSlot(link);
            if (!positioned) {
                position(server, history, slot);
                hold.takeUp(history, server.flushed());
                positioned = true;
            }
            StreamStart.Plan plan = StreamStart.plan(new StreamStart.Position(segment.timeline(), segment.receivedEnd()),
                    server.timeline(), server.flushed(), history, segmentSize);
            if (plan instanceof StreamStart.Wait wait) {
                complain(target + ": " + wait.reason());
                return;
            }
            StreamStart.Stream s = (StreamStart.Stream) plan;
            if (!s.keepBuffer()) {
                leaveSegment();
                beginFresh(s.timeline(), s.from().segmentNumber(segmentSize));
                // From here on the receiver streams the new timeline itself: skipped WAL
                // beyond its start is no longer the repository's to hold.
                hold.cutAt(s.from(), history);
            }
            Lsn stopAt = s.timeline() == server.timeline() ? null : history.endOf(s.timeline());
            PGReplicationStream stream;
            try {
                stream = link.start(options.slot(), s.timeline(), s.from());
                if (options.synchronous()) {
                    // it stores whenever the socket is empty, and waits on the socket only with nothing to store
                    link.neverWaitInRead();
                } else {
                    link.pollWithoutWaiting();
                }
            } catch (PgException e) {
                if (isRemoved(e) && options.slot().isEmpty()) {
                    skipToServer(link, server, history, e);
                    return;
                }
                throw e;
            }
            log.accept("streaming timeline " + s.timeline() + " from " + s.from() + " (" + segment.name().name() + ")"
                    + options.slot().map(n -> " through slot " + n).orElse("")
                    + (stopAt != null ? " up to its end at " + stopAt : "") + " from " + target);
            lastComplaint = "";
            try {
                pump(link, stream, stopAt, stop);
            } catch (PgException e) {
                // The walsender starts the copy before it reads WAL: a removed segment is said here.
                if (isRemoved(e) && options.slot().isEmpty()) {
                    skipToServer(link, link.identify(), history, e);
                    return;
                }
                throw e;
            }
        }
    }

    /**
     * Set by {@link #pump} when the session received WAL or streamed for {@link
     * #STREAMED_NANOS}, however it then ended: the next connection is tried after the first backoff.
     */
    private boolean sessionStreamed;
    private static final long STREAMED_NANOS = Duration.ofSeconds(1).toNanos();

    /** Receives until the connection fails, the timeline's end is reached or a stop is asked. */
    private void pump(ReplicationLink link, PGReplicationStream stream, Lsn stopAt, BooleanSupplier stop)
            throws IOException, PgException, InterruptedException {
        long lastStored = System.nanoTime();
        long undurableSince = 0;
        long lastData = System.nanoTime();
        long lastProbe = lastData;
        long began = lastData;
        current = stream;
        turnAt = System.nanoTime();
        Thread watch = options.synchronous() ? watchForStall(link) : null;
        try {
            // What the repository holds, reported at once: PostgreSQL counts a walsender as a
            // synchronous standby only once it has reported a flush position, and an idle primary
            // sends nothing to store, so a receiver that reconnected stayed 'potential' until the
            // primary next wrote WAL (about 10 s in HaSynchronousIT)
            if (!hold.isEmpty()) {
                hold.look(this::archived);
            }
            report(stream, segment.durableEnd());
            publish(true);
            writeStatusIfDue();
            while (!stop.getAsBoolean()) {
                turnAt = System.nanoTime();
                if (hold.due(turnAt) && hold.look(this::archived)) {
                    report(stream, segment.durableEnd()); // a gap closed: the position moves on at once
                }
                // Synchronous: commits wait for what is received, so it is stored as soon as the
                // socket holds no more, not after a wait for more.
                ByteBuffer data = stream.readPending();
                long now = System.nanoTime();
                if (data != null) {
                    long end = stream.getLastReceiveLSN().asLong();
                    long begin = end - data.remaining();
                    if (begin != segment.receivedEnd().value()) {
                        throw new PgException("the server sent WAL from " + new Lsn(begin) + ", expected "
                                + segment.receivedEnd() + ": reconnecting");
                    }
                    if (!segment.hasUndurable()) {
                        undurableSince = now;
                    }
                    while (data.hasRemaining()) {
                        segment.append(data);
                        if (segment.full()) {
                            completeSegment(stream);
                            lastStored = now;
                            undurableSince = now;
                        }
                    }
                    sessionStreamed = true;
                    lastData = now;
                    publish(true);
                    if (stopAt != null && segment.receivedEnd().compareTo(stopAt) >= 0) {
                        if (segment.hasUndurable()) { // at a segment boundary there is nothing to store
                            storeStream(stream);
                        }
                        log.accept("timeline " + segment.timeline() + " ended at " + stopAt + ": following the next one");
                        return;
                    }
                    boolean due = options.synchronous()
                            ? segment.received() - durableBytes() >= SYNC_BATCH_BYTES || now - undurableSince >= SYNC_BATCH_NANOS
                            : now - lastStored >= options.flushInterval().toNanos();
                    if (due && segment.hasUndurable()) {
                        storeStream(stream);
                        lastStored = now;
                    }
                    consolidateIfDue(now);
                    continue;
                }
                if (segment.hasUndurable()
                        && (options.synchronous() || now - lastStored >= options.flushInterval().toNanos())) {
                    storeStream(stream);
                    lastStored = now;
                    continue;
                }
                consolidateIfDue(now);
                writeStatusIfDue();
                if (stream.isClosed()) {
                    return;
                }
                if (now - lastData >= PROBE_AFTER_NANOS && now - lastProbe >= PROBE_AFTER_NANOS) {
                    probe();
                    lastProbe = System.nanoTime();
                }
                if (segment.hasUndurable()) {
                    Thread.sleep(5); // asynchronous: WAL gathers into batches until its flush is due
                } else {
                    awaitWal(link);
                }
            }
        } catch (SQLException e) {
            throw new PgException("streaming from " + target + " stopped: " + PgSession.oneLine(e), e);
        } finally {
            current = null;
            if (watch != null) {
                watch.interrupt();
            }
            sessionStreamed |= System.nanoTime() - began >= STREAMED_NANOS;
        }
    }

    /** When the receive loop last began a turn; read by {@link #watchForStall}. */
    private volatile long turnAt;

    /**
     * Synchronous: commits wait on this receiver while its connection is up, and a store that
     * hangs (a repository that stops answering without failing) would hold them until the S3
     * client's timeouts or the server's {@code wal_sender_timeout} end it, a minute or more. A
     * turn of the loop otherwise takes at most the 100 ms idle wait and a store, so when one
     * takes longer than {@link ReceiveOptions#syncTimeout} this thread drops the connection:
     * PostgreSQL (and an HA agent, which waits for a receiver only while it streams) then stops
     * waiting for it. What was received stays in memory; it is stored, and streaming resumes,
     * once the store ends.
     */
    private Thread watchForStall(ReplicationLink link) {
        long limit = options.syncTimeout().toNanos();
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(Math.min(250, Math.max(1, limit / 4_000_000)));
                    if (System.nanoTime() - turnAt > limit) {
                        log.accept("a store (or another call) has held the receiver for more than "
                                + options.syncTimeout().toSeconds() + " s (archive.stream-sync-timeout): dropping the connection to " + target
                                + ", so that commits stop waiting for it; it reconnects once the store ends");
                        link.close();
                        return;
                    }
                }
            } catch (InterruptedException e) {
                // the loop ended on its own
            }
        }, "wal-receive-stall-watch");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * With nothing to store: waits on the socket up to {@link #IDLE_WAIT_MILLIS}, waking as WAL
     * arrives, so an idle receiver wakes ten times a second rather than every few milliseconds,
     * and a commit after a quiet spell is read at once. Where that wait cannot be had, or it
     * came back at once with nothing (the connection ended: the next status message fails on
     * it), a short sleep instead of a spin.
     */
    private void awaitWal(ReplicationLink link) throws InterruptedException {
        long asked = System.nanoTime();
        if (!link.awaitIncoming(IDLE_WAIT_MILLIS) && System.nanoTime() - asked < QUICK_EMPTY_WAIT_NANOS) {
            Thread.sleep(options.synchronous() ? 1 : 5);
        }
    }

    /** Throws when the server does not take a new connection: the session is then given up. */
    private void probe() throws PgException {
        try (PgSession session = PgSession.connect(target)) {
            // it answered: the quiet is the primary's own
        } catch (PgException e) {
            throw new PgException("no WAL for a while and " + target + " does not answer a new connection ("
                    + e.getMessage() + "): reconnecting", e);
        }
    }

    private int durableBytes() {
        return (int) (segment.durableEnd().value() - segment.start().value());
    }

    /** The segment is whole: stored as archive-push stores it, its stream object then removed. */
    private void completeSegment(PGReplicationStream stream) throws IOException, SQLException {
        WalFileName name = segment.name();
        archive.storeSegment(name, segment.bytes());
        archive.deleteStream(name);
        parts.clear();
        segment.markDurable();
        report(stream, segment.receivedEnd());
        beginFresh(segment.timeline(), segment.start().segmentNumber(segmentSize) + 1);
    }

    /** Before the segment in progress is set aside: what it holds, in one {@code .stream} object. */
    private void leaveSegment() throws IOException {
        if (segment.hasUndurable() || !parts.isEmpty()) {
            storeStream(null);
        }
    }

    /**
     * Begins segment {@code number} empty, remembering how much of it the repository already has
     * from an earlier run (a slot saved at a checkpoint can be segments behind the repository):
     * up to there it is not stored again, so a shorter .stream never replaces a longer one.
     */
    private void beginFresh(int tli, long number) throws IOException {
        parts.clear(); // the previous segment's, folded by leaveSegment or removed with its complete object
        // Unknown until read: a failed read must not leave the previous segment's floor, by
        // which a store could be skipped and its bytes still reported durable.
        storedFloor = FLOOR_UNKNOWN;
        segment.begin(tli, number);
        floor();
    }

    /** {@link #storedFloor}, read from the repository first when unknown: one listing and one read. */
    private int floor() throws IOException {
        if (storedFloor == FLOOR_UNKNOWN) {
            storedFloor = (int) archive.streamedLength(segment.name()); // 0 when nothing was streamed
        }
        return storedFloor;
    }

    /**
     * Stores what was received of the segment in progress; then reports it flushed. While
     * streaming, only the bytes new since the last store, as a part of the stream: a small write,
     * where rewriting the segment's prefix every second (or, synchronous, for every commit) cost
     * up to 16 MiB compressed each time. On stopping or leaving the segment, the whole
     * {@code .stream} object.
     */
    private void storeStream(PGReplicationStream stream) throws IOException {
        if (stream == null) {
            // Leaving the segment: one object for all of it (parts are only ever written up to
            // the floor, so with parts the object is never shorter than what is stored).
            if (segment.received() > floor() || !parts.isEmpty() && segment.received() >= storedFloor) {
                archive.putStream(segment.name(), segment.bytes(), segment.received());
                storedFloor = segment.received();
            }
            dropParts();
        } else if (segment.received() <= floor()) {
            // The repository has these bytes already (the same WAL, streamed by an earlier run).
        } else {
            int from = durableBytes();
            archive.putStreamPart(segment.name(), segment.bytes(), from, segment.received());
            parts.add((long) from);
            storedFloor = segment.received();
        }
        segment.markDurable();
        if (stream != null) {
            try {
                report(stream, segment.durableEnd());
            } catch (SQLException e) {
                throw new UncheckedIOException(new IOException("reporting the flush position to " + target + ": "
                        + PgSession.oneLine(e), e));
            }
        }
    }

    /**
     * Folds the parts into one {@code .stream} object (written first, so a reader always finds
     * the bytes), then removes them: when there are {@link #PARTS_MAX}, or {@link #PARTS_FEW}
     * and {@link #FOLD_EVERY_NANOS} have passed, so that archive-get reads a bounded number of
     * objects and the prefix is rewritten rarely.
     */
    private void consolidateIfDue(long now) throws IOException {
        boolean due = parts.size() >= PARTS_MAX || parts.size() >= PARTS_FEW && now - lastConsolidated >= FOLD_EVERY_NANOS;
        if (due && durableBytes() >= floor()) {
            // Up to what the parts hold: bytes received since are not durable yet.
            archive.putStream(segment.name(), segment.bytes(), durableBytes());
            dropParts();
            lastConsolidated = now;
        }
    }

    private static final int PARTS_MAX = 256;
    private static final int PARTS_FEW = 32;
    private static final long FOLD_EVERY_NANOS = Duration.ofSeconds(10).toNanos();

    private void dropParts() throws IOException {
        if (!parts.isEmpty()) {
            archive.deleteStreamParts(segment.name(), parts);
            parts.clear();
        }
    }

    private void report(PGReplicationStream stream, Lsn durable) throws SQLException {
        LogSequenceNumber at = LogSequenceNumber.valueOf(hold.reportable(durable).value());
        stream.setFlushedLSN(at);
        stream.setAppliedLSN(at);
        stream.forceUpdateStatus();
    }

    /**
     * Where to begin on the first connection: the slot's position, else the newest WAL in the
     * repository, else where the server's WAL ends now. A {@code .stream} object of that segment
     * is read back, so streaming resumes after it and never stores a shorter one over it.
     */
    private void position(ReplicationLink.ServerIdentity server, TimelineHistory history,
            Optional<ReplicationLink.SlotPosition> slot) throws IOException {
        Optional<Lsn> slotRestart = slot.flatMap(ReplicationLink.SlotPosition::restart);
        if (slotRestart.isPresent()) {
            Lsn r = slotRestart.get();
            int tli = slot.get().timeline().orElse(StreamStart.timelineOf(history, r));
            seed(tli, r.segmentNumber(segmentSize), r);
            return;
        }
        Optional<WalFileName> newest = newestInRepository(server.timeline(), history);
        if (newest.isPresent()) {
            WalFileName n = newest.get();
            long number = n.segmentNumber(segmentSize);
            if (n.kind() == WalFileKind.SEGMENT) {
                beginFresh(n.timeline(), number + 1);
            } else {
                seed(n.timeline(), number, new Lsn(number * segmentSize));
            }
            return;
        }
        beginFresh(server.timeline(), server.flushed().segmentNumber(segmentSize));
    }

    /** Begins segment {@code number}, with its stored stream when that reaches {@code atLeast}. */
    private void seed(int tli, long number, Lsn atLeast) throws IOException {
        WalFileName name = WalFileName.parse(WalFileName.segmentName(tli, number, segmentSize));
        if (archived(name)) {
            beginFresh(tli, number + 1);
            return;
        }
        // Read straight into the segment's own buffer, which holds nothing undurable here (a
        // first connection, or after leaveSegment stored it all): gathering the stream apart,
        // then copying it, took up to three segment-sized arrays at once (1 GiB segments exist).
        int stored = archive.streamedInto(name, segment.bytes());
        if (number * segmentSize + stored >= atLeast.value() && stored > 0) {
            segment.begin(tli, number, stored);
        } else {
            segment.begin(tli, number);
        }
        storedFloor = stored;
    }

    /** The newest segment or stream object on the server's timeline or its ancestors. */
    private Optional<WalFileName> newestInRepository(int serverTimeline, TimelineHistory history) throws IOException {
        try (Stream<BlobInfo> blobs = repo.blobs().list(layout.walPrefix())) {
            return blobs.map(b -> b.key().substring(b.key().lastIndexOf('/') + 1))
                    .flatMap(WalReceiver::walName)
                    .map(n -> n.kind() == WalFileKind.STREAM_PART // a part stands for its segment's stream
                            ? WalFileName.parse(n.name().substring(0, 24) + ".stream") : n)
                    .filter(n -> n.kind() == WalFileKind.SEGMENT || n.kind() == WalFileKind.STREAM)
                    .filter(n -> n.timeline() == serverTimeline || history.contains(n.timeline()))
                    .max((a, b) -> {
                        int c = Long.compare(a.segmentNumber(segmentSize), b.segmentNumber(segmentSize));
                        if (c != 0) {
                            return c;
                        }
                        c = Integer.compareUnsigned(a.timeline(), b.timeline());
                        // A complete segment beats the stream of the same name.
                        return c != 0 ? c : Boolean.compare(a.kind() == WalFileKind.SEGMENT, b.kind() == WalFileKind.SEGMENT);
                    });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static Stream<WalFileName> walName(String name) {
        try {
            return Stream.of(WalFileName.parse(name));
        } catch (IllegalArgumentException e) {
            return Stream.empty();
        }
    }

    /** The server's timeline history, its file stored in the repository when not there yet. */
    private TimelineHistory history(ReplicationLink link, int tli) throws PgException, IOException {
        if (tli == 1) {
            return TimelineHistory.root(1);
        }
        byte[] content = link.timelineHistory(tli);
        archive.storeHistory(tli, content);
        return TimelineHistory.parse(tli, content);
    }

    private Optional<ReplicationLink.SlotPosition> prepareSlot(ReplicationLink link) throws PgException {
        if (options.slot().isEmpty()) {
            return Optional.empty();
        }
        String name = options.slot().get();
        Optional<ReplicationLink.SlotPosition> slot = link.readSlot(name);
        if (slot.isEmpty()) {
            if (!options.createSlot()) {
                throw new PgException("replication slot " + name + " does not exist on " + target
                        + " (create it, or run with --create-slot)", new SlotMissing());
            }
            link.createSlot(name);
            log.accept("created physical replication slot " + name + " on " + target);
            slot = link.readSlot(name);
        }
        return positioned ? Optional.empty() : slot;
    }

    /**
     * Without a slot the server may have removed WAL the receiver did not get: said, then
     * skipped. The flush position reported stays where the receiver's WAL ended until the
     * repository holds what was skipped, or a backup is taken after it ({@link SkippedWalHold}).
     */
    private void skipToServer(ReplicationLink link, ReplicationLink.ServerIdentity server, TimelineHistory history,
            PgException e) throws IOException, PgException {
        Lsn from = segment.receivedEnd();
        long resume = server.flushed().segmentNumber(segmentSize);
        TimelineHistory h = history.timeline() == server.timeline() ? history : history(link, server.timeline());
        // Held, and recorded in the repository, before anything past the gap is stored: a
        // receiver started after this one begins after the newest WAL there, and takes it up.
        boolean held = hold.skip(from, new Lsn(resume * segmentSize), h);
        log.accept("WAL from " + from + " is gone from " + target + " (" + e.getMessage()
                + "); streaming resumes at the server's current segment, and WAL in between is archive_command's to store"
                + " (use a slot to keep it)" + (held
                        ? "; until the repository holds it, or a backup is taken after it, the flush position reported"
                                + " stays at " + hold.reportable(from)
                        : ""));
        leaveSegment();
        beginFresh(server.timeline(), resume);
    }

    /** Whether the repository holds segment {@code name} complete. */
    private boolean archived(WalFileName name) throws IOException {
        return repo.blobs().stat(layout.walKey(name)).isPresent();
    }

    private static boolean isRemoved(PgException e) {
        return e.getMessage() != null && e.getMessage().contains("has already been removed");
    }

    private static boolean fatal(PgException e) {
        return e.getCause() instanceof SlotMissing
                || e.getMessage() != null && e.getMessage().contains("wal-receive needs a physical one");
    }

    /** Marks a missing slot: retrying cannot help. */
    private static final class SlotMissing extends Exception {
        SlotMissing() {
            super(null, null, false, false);
        }
    }

    /**
     * Updates the status; stores it in the repository every {@link #STATUS_EVERY_NANOS} and
     * whenever the connection comes or goes, for info and metrics on any host. A failure to store
     * it is said once and never stops streaming.
     */
    private void publish(boolean connected) {
        if (!positioned) {
            return;
        }
        Lsn told = current == null ? null : lastServerEnd(current);
        if (told != null && told.compareTo(serverEnd) > 0) {
            serverEnd = told;
        }
        if (segment.receivedEnd().compareTo(serverEnd) > 0) {
            serverEnd = segment.receivedEnd();
        }
        ReceiverStatus now = new ReceiverStatus(options.applicationName(), segment.timeline(), segment.receivedEnd(),
                hold.reportable(segment.durableEnd()), serverEnd, connected, java.time.Instant.now());
        status.set(now);
    }

    /**
     * Stores the status in the repository every {@link #STATUS_EVERY_NANOS} and when the
     * connection comes or goes; never between a store and its flush report (a synchronous commit
     * waits there). A failure to store it is said once and never stops streaming.
     */
    private void writeStatusIfDue() {
        ReceiverStatus now = status.get();
        if (now == null) {
            return;
        }
        boolean connected = now.connected();
        long t = System.nanoTime();
        if (statusWrittenAt != 0 && connected == statusWrittenConnected && t - statusWrittenAt < STATUS_EVERY_NANOS) {
            return;
        }
        statusWrittenAt = t;
        statusWrittenConnected = connected;
        try {
            now.store(repo, layout);
            statusComplained = false;
        } catch (IOException | RuntimeException e) {
            if (!statusComplained) {
                log.accept("could not store the receiver's status in " + repo.describe() + ": " + e.getMessage());
                statusComplained = true;
            }
        }
    }

    private static final long STATUS_EVERY_NANOS = Duration.ofSeconds(10).toNanos();
    /**
     * pgjdbc keeps the server's WAL end from each message (the "walEnd" of XLogData and of
     * keepalives) in a private field; it is the lag's other end. Null where a pgjdbc version has
     * no such field: the lag then counts from what was received.
     */
    private static final java.lang.reflect.Field LAST_SERVER_LSN = ReplicationLink.field(
            org.postgresql.core.v3.replication.V3PGReplicationStream.class, "lastServerLSN");

    /** Whether the server's WAL end can be read from this pgjdbc (else the lag counts from what was received). */
    static boolean serverEndReadable() {
        return LAST_SERVER_LSN != null;
    }

    private static Lsn lastServerEnd(PGReplicationStream stream) {
        if (LAST_SERVER_LSN == null) {
            return null;
        }
        try {
            Object v = LAST_SERVER_LSN.get(stream);
            return v instanceof LogSequenceNumber l && l.asLong() != 0 ? new Lsn(l.asLong()) : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** Logs a problem once, and again only when it changes or a minute has passed. */
    private void complain(String message) {
        long now = System.nanoTime();
        if (!message.equals(lastComplaint) || now - lastComplaintAt >= REPEAT_QUIET.toNanos()) {
            log.accept(message + "; retrying");
            lastComplaint = message;
            lastComplaintAt = now;
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

}
