package dev.pgvault.ha.pg;

import dev.pgvault.archiver.pg.PgTarget;
import dev.pgvault.archiver.HistoryFiles;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.TimelineHistory;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.restore.replica.ConnInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The node's PostgreSQL 15, driven through its own programs (pg_ctl, pg_controldata, pg_rewind,
 * pg_basebackup) run as the cluster's owner, and JDBC for what only the running server knows.
 */
public final class PostgresNode implements LocalPostgres {
    /** A status query must not hold up the agent's cycle. */
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(2);
    /** For programs that only read or signal: pg_controldata, pg_ctl reload. */
    private static final Duration QUICK = Duration.ofSeconds(30);
    private static final Duration INITDB = Duration.ofSeconds(300);
    private static final DateTimeFormatter ASIDE_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final PgNodeSettings settings;
    private final Path data;
    private final PgPrograms programs;
    private final ServerQueries queries;
    private final ServerLog log;
    private final Clock clock;

    public PostgresNode(PgNodeSettings settings) {
        this(settings, Clock.systemUTC());
    }

    public PostgresNode(PgNodeSettings settings, Clock clock) {
        this.settings = settings;
        this.data = settings.dataDirectory().toAbsolutePath();
        this.programs = new PgPrograms(settings.bin(), settings.commandPrefix(), data.getParent());
        this.queries = new ServerQueries(settings.local(), QUERY_TIMEOUT);
        this.log = new ServerLog(settings.logFile());
        this.clock = clock;
    }

    /** A connection to this node's server, closed at once; refused when it is stopped, which loads most of the same. */
    @Override
    public void warmUp() {
        try (var connection = LocalConnection.open(settings.local(), QUERY_TIMEOUT)) {
            connection.isValid(1);
        } catch (SQLException | RuntimeException e) {
            // a stopped or starting server: the classes are loaded all the same
        }
    }

    @Override
    public PgStatus status() {
        if (!Files.exists(data.resolve("PG_VERSION"))) {
            return PgStatus.empty();
        }
        boolean postmaster = Postmaster.alive(data);
        if (postmaster) {
            try {
                return queries.status();
            } catch (SQLException e) {
                // starting up, shutting down, or hung. A postmaster that does not answer may still
                // take writes on sessions it has: without standby.signal it counts as a primary, so
                // that the agent demotes it when it must and never starts another server over it
                boolean standby = Files.exists(data.resolve("standby.signal"));
                ControlData c = null;
                try {
                    c = controlData();
                } catch (PgControlException unreadable) {
                    // timeline and position unknown
                }
                return new PgStatus(true, true, standby, c == null ? 0 : c.timeline(), c == null ? 0 : c.checkpoint(),
                        false, false, false, c == null ? 0 : c.systemIdentifier());
            }
        }
        try {
            ControlData c = controlData();
            return new PgStatus(true, false, false, c.timeline(), c.checkpoint(), false, c.wasPrimary(), c.crashed(),
                    c.systemIdentifier());
        } catch (PgControlException e) {
            return new PgStatus(true, false, false, 0, 0, false, false, false, 0);
        }
    }

    @Override
    public void initdb() throws PgControlException {
        requireEmpty("initdb");
        // trust only until the operator's pg_hba.conf says otherwise: configuring authentication
        // is later work; the agent connects over TCP as settings.local().user()
        ProgramOutput out = programs.run(INITDB, "initdb", "-D", data.toString(), "--data-checksums",
                "-U", settings.local().user(), "-A", "trust");
        if (!out.ok()) {
            throw new PgControlException("initdb into " + data + " failed: " + out.failure());
        }
    }

    @Override
    public void configure(boolean standby, Upstream upstream, String synchronousStandbyNames)
            throws PgControlException {
        requireData("configure");
        Map<String, String> owned = AgentConf.settings(settings, standby, upstream, synchronousStandbyNames);
        try {
            DataFiles.write(data.resolve(AgentConf.FILE), AgentConf.render(owned));
            rewriteIfChanged(data.resolve("postgresql.conf"), ConfEdits::withInclude);
            Path auto = data.resolve("postgresql.auto.conf");
            if (Files.exists(auto)) {
                rewriteIfChanged(auto, text -> ConfEdits.without(text, AgentConf.owned(owned)));
            }
            Path signal = data.resolve("standby.signal");
            if (standby && !Files.exists(signal)) {
                DataFiles.write(signal, "");
            } else if (!standby) {
                Files.deleteIfExists(signal);
            }
        } catch (IOException e) {
            throw new PgControlException("cannot write the configuration in " + data + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void start(Duration timeout) throws PgControlException {
        requireData("start");
        if (Postmaster.alive(data)) {
            awaitAnswer(timeout); // started already (by us or an operator), perhaps still recovering
            return;
        }
        long logEnd = log.end();
        ProgramOutput out = programs.run(timeout, "pg_ctl", "-D", data.toString(), "-l", settings.logFile().toString(),
                "-w", "-t", PgPrograms.seconds(timeout), "start");
        if (!out.ok()) {
            String why = log.lastErrorSince(logEnd);
            throw new PgControlException("PostgreSQL did not start on " + data + " (pg_ctl exited " + out.exitCode()
                    + "): " + (why != null ? why : out.reason()) + "; see " + settings.logFile());
        }
    }

    private void awaitAnswer(Duration timeout) throws PgControlException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                queries.inRecovery();
                return;
            } catch (SQLException e) {
                if (System.nanoTime() > deadline) {
                    throw new PgControlException("a postmaster runs on " + data + " but does not accept connections after "
                            + timeout.toSeconds() + " s: " + LocalConnection.oneLine(e), e);
                }
            }
            pause();
        }
    }

    @Override
    public void stop(Duration fastBudget) throws PgControlException {
        if (!Postmaster.alive(data)) {
            return;
        }
        stopFast(fastBudget, STOP_POLL_MILLIS, () -> null);
    }

    /**
     * Asks for a fast shutdown, then looks every {@code pollMillis} until {@code look} finds
     * something (returned at once) or the postmaster is gone; past {@code budget} the shutdown
     * becomes an immediate one. pg_ctl -W only sends the request: its own wait looks every
     * 100 ms, and on a switchover that wait is the old primary's share of the time without a
     * writable server.
     */
    private <T> T stopFast(Duration budget, long pollMillis, Look<T> look) throws PgControlException {
        queries.forget();
        long deadline = System.nanoTime() + budget.toNanos();
        programs.run(QUICK, "pg_ctl", "-D", data.toString(), "-m", "fast", "-W", "stop");
        T found = whileRunning(deadline, pollMillis, look);
        if (found == null && Postmaster.alive(data)) {
            stopImmediately();
        }
        return found;
    }

    /** What a look at a stopping server found; null: nothing yet. */
    @FunctionalInterface
    private interface Look<T> {
        T look();
    }

    /**
     * Looks every {@code pollMillis} until {@code look} finds something, the postmaster is gone or
     * {@code deadline} (nanoTime) passes. An interrupt does not cut the wait short (a clean
     * shutdown is still waited for, as pg_ctl -w did); it is kept for the caller.
     */
    private <T> T whileRunning(long deadline, long pollMillis, Look<T> look) {
        boolean interrupted = false;
        try {
            while (Postmaster.alive(data) && System.nanoTime() < deadline) {
                T found = look.look();
                if (found != null) {
                    return found;
                }
                try {
                    Thread.sleep(pollMillis);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            return null;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** How often a fast shutdown's end is looked for: postmaster.pid goes as the postmaster exits. */
    private static final long STOP_POLL_MILLIS = 10;

    /**
     * On a switchover the old primary's clean shutdown ends with its archiver's last
     * archive_command (the segment the shutdown switched to), 0.3-0.5 s here: the handover waits
     * only for the shutdown checkpoint, after which no WAL can be written.
     */
    @Override
    public PgStatus stopForHandover(Duration fastBudget) throws PgControlException {
        if (!Postmaster.alive(data)) {
            return status();
        }
        ControlData[] previous = new ControlData[1];
        PgStatus handed = stopFast(fastBudget, HANDOVER_POLL_MILLIS, () -> {
            ControlData now = shutDownCheckpoint();
            // the same twice in a row: pg_control is read while the checkpointer may rewrite it
            boolean settled = now != null && now.equals(previous[0]);
            previous[0] = now;
            return settled ? new PgStatus(true, false, false, now.timeline(), now.checkpoint(), false, true, false,
                    now.systemIdentifier()) : null;
        });
        return handed != null ? handed : status();
    }

    /**
     * pg_control once it says the shutdown checkpoint is written; else null. A read that met the
     * file half rewritten fails its CRC, which pg_controldata only warns of (exit 0): no answer.
     */
    private ControlData shutDownCheckpoint() {
        try {
            ProgramOutput out = pgControldata();
            if (out.output().contains("CRC checksum does not match")) {
                return null;
            }
            ControlData c = ControlData.parse(out.output());
            return c.state().equals("shut down") && c.checkpoint() != 0 ? c : null;
        } catch (PgControlException e) {
            return null; // read again
        }
    }

    /** How often pg_control is read for the end of a handover's shutdown checkpoint (pg_controldata runs each time). */
    private static final long HANDOVER_POLL_MILLIS = 20;

    @Override
    public boolean stopImmediately() throws PgControlException {
        if (!Postmaster.alive(data)) {
            return false;
        }
        ProgramOutput out = programs.run(QUICK, "pg_ctl", "-D", data.toString(), "-m", "immediate", "-w", "-t",
                PgPrograms.seconds(QUICK), "stop");
        if (Postmaster.alive(data)) {
            throw new PgControlException("PostgreSQL on " + data + " still runs after an immediate stop: " + out.failure());
        }
        return true;
    }

    /**
     * How often the promote request is sent again while the server is still in recovery.
     * PostgreSQL 15 can take a promote request while it waits on a WAL stream, then go on to wait
     * out the rest of wal_retrieve_retry_interval (5 s by default) with nothing left to wake it:
     * seen in one switchover in nine here. A request sent again wakes it; one that arrives after
     * the promotion is refused by pg_ctl ("not in standby mode") and does nothing.
     */
    static final Duration PROMOTE_NUDGE = Duration.ofMillis(500);

    @Override
    public void promote(Duration timeout) throws PgControlException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ProgramOutput out = programs.run(QUICK, "pg_ctl", "-D", data.toString(), "-W", "promote");
        if (!out.ok()) {
            throw new PgControlException("cannot promote PostgreSQL on " + data + ": " + out.failure());
        }
        long nudgeAt = System.nanoTime() + PROMOTE_NUDGE.toNanos();
        // what counts for the agent is that a session may write, not what pg_control says
        while (true) {
            try {
                if (!queries.inRecovery()) {
                    // a request sent again just as the promotion ended leaves its signal file:
                    // gone, so that it is not taken up if this node is ever a standby again
                    Files.deleteIfExists(data.resolve("promote"));
                    return;
                }
            } catch (SQLException e) {
                if (System.nanoTime() > deadline) {
                    withdrawPromoteRequest();
                    throw new PgControlException("PostgreSQL on " + data + " was promoted but does not answer: "
                            + LocalConnection.oneLine(e), e);
                }
            } catch (IOException e) {
                throw new PgControlException("cannot remove " + data.resolve("promote") + ": " + e.getMessage(), e);
            }
            if (System.nanoTime() > deadline) {
                withdrawPromoteRequest();
                throw new PgControlException("PostgreSQL on " + data + " is still in recovery "
                        + timeout.toSeconds() + " s after pg_ctl promote");
            }
            if (System.nanoTime() > nudgeAt) {
                try {
                    programs.run(QUICK, "pg_ctl", "-D", data.toString(), "-W", "promote"); // refused once promoted: fine
                } catch (PgControlException e) {
                    // only a nudge: the first request stands, and the deadline above still holds
                }
                nudgeAt = System.nanoTime() + PROMOTE_NUDGE.toNanos();
            }
            pause();
        }
    }

    /**
     * Removes the promote request of a promotion given up on. Left in place, the postmaster would
     * act on it at its next signal of any kind, promoting a standby the agent no longer means to.
     * Best effort: a promotion already under way is not undone by it.
     */
    private void withdrawPromoteRequest() {
        try {
            Files.deleteIfExists(data.resolve("promote"));
        } catch (IOException ignored) {
            // the error thrown next is what the agent acts on
        }
    }

    @Override
    public void reload() throws PgControlException {
        ProgramOutput out = programs.run(QUICK, "pg_ctl", "-D", data.toString(), "reload");
        if (!out.ok()) {
            throw new PgControlException("cannot reload PostgreSQL on " + data + ": " + out.failure());
        }
    }

    @Override
    public void crashRecovery(Duration timeout) throws PgControlException {
        requireStopped("crash recovery");
        if (!controlData().crashed()) {
            return;
        }
        // a signal file would make single-user mode refuse (standby) or recover from the archive
        // and promote (recovery): moved aside for the run, back afterwards
        List<Path> signals = List.of(data.resolve("standby.signal"), data.resolve("recovery.signal"));
        Map<Path, Path> moved = new LinkedHashMap<>();
        try {
            for (Path s : signals) {
                if (Files.exists(s)) {
                    Path aside = s.resolveSibling(s.getFileName() + ".pgvault-aside");
                    Files.move(s, aside, StandardCopyOption.REPLACE_EXISTING);
                    moved.put(aside, s);
                }
            }
            // replays the WAL and ends with a shutdown checkpoint (pg_rewind runs the same); stdin
            // is /dev/null, so it exits at once; template1 always exists. Without archive_mode: a
            // shutdown with archiving on switches to a new segment, which would mark the old
            // primary's last, divergent segment complete (.ready) under its timeline's name, and an
            // archiver (an async one outlives its postmaster) would store it for the standbys that
            // still follow that timeline to restore past the new primary's fork (one did, in
            // bench/failover.sh, and had to be rewound in turn)
            ProgramOutput out = programs.run(timeout, "postgres", "--single", "-D", data.toString(), "-c",
                    "archive_mode=off", "template1");
            ControlData after = controlData();
            if (!out.ok() || !after.state().equals("shut down")) {
                throw new PgControlException("crash recovery of " + data + " failed (pg_control says \""
                        + after.state() + "\"): " + out.failure());
            }
        } catch (IOException e) {
            throw new PgControlException("cannot move the signal files of " + data + " aside: " + e.getMessage(), e);
        } finally {
            moved.forEach((aside, s) -> {
                try {
                    Files.move(aside, s, StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException ignored) {
                    // configure() writes standby.signal again before the next start
                }
            });
        }
    }

    /**
     * pg_rewind's own rule (rewind only a target whose WAL goes past the divergence point), for a
     * primary that crashed, before any crash recovery writes its end-of-recovery checkpoint past
     * that point: the same system, the same ancestry up to its timeline (timeline numbers can be
     * taken twice), the fork from the source's timeline history, then the first valid WAL record
     * at or after it in this node's pg_wal. WAL is flushed before the data pages it changes, so
     * with no valid record there no page holds a change the new timeline lacks, and the node can
     * follow as it is, as a standby replaying its own WAL up to the fork. Then, as pg_rewind would,
     * the source's history file is put in pg_wal, so that recovery knows where the old timeline
     * ends before it streams or restores anything.
     */
    @Override
    public Optional<Divergence> divergence(Upstream source) {
        try {
            return checkDivergence(source);
        } catch (PgControlException | RuntimeException e) {
            return Optional.empty(); // cannot tell: the caller rewinds, as it always did
        }
    }

    private Optional<Divergence> checkDivergence(Upstream source) throws PgControlException {
        requireStopped("the divergence check");
        ControlData control = controlData();
        Path pgWal = data.resolve("pg_wal");
        int local = control.timeline();
        if (!control.state().equals("in production") || newerTimelineIn(pgWal, local)) {
            // shut down cleanly (pg_rewind's own check is exact), or promoted after its latest
            // checkpoint (its WAL is on a timeline pg_control does not name)
            return Optional.empty();
        }
        Optional<SourceHistory> fetched = SourceHistory.of(
                new PgTarget(source.host(), source.port(), settings.local().user(), "postgres"), QUERY_TIMEOUT);
        if (fetched.isEmpty() || fetched.get().systemIdentifier() != control.systemIdentifier()) {
            return Optional.empty();
        }
        TimelineHistory leader = fetched.get().history();
        if (leader.timeline() == local || !leader.contains(local) || !sameAncestry(leader, local)) {
            return Optional.empty();
        }
        Lsn fork = leader.endOf(local);
        String where = "the fork of " + source.name() + "'s timeline " + leader.timeline() + " from timeline " + local
                + " at " + fork;
        if (Long.compareUnsigned(control.checkpoint(), fork.value()) >= 0) {
            return Optional.of(new Divergence(true, "its latest checkpoint, at " + new Lsn(control.checkpoint())
                    + ", is not before " + where));
        }
        Optional<String[]> segments = segmentsFrom(pgWal, local, fork);
        if (segments.isEmpty()) {
            return Optional.empty();
        }
        // the segments named, not just the directory: pg_waldump takes the segment size from the
        // first file it reads, and a zero-filled one it cannot tell; up to the newest of the
        // timeline, so a record at the fork that runs into the next segment is read whole
        Optional<Divergence> judged = WalAfterFork.judge(programs.run(QUICK, Map.of("LC_ALL", "C"), "pg_waldump",
                "--path=" + pgWal, "--start=" + fork, "--limit=1", segments.get()[0], segments.get()[1]), where);
        if (judged.isPresent() && !judged.get().diverged()) {
            writeHistory(pgWal, leader.timeline(), fetched.get().file());
        }
        return judged;
    }

    /** Whether this node's history of {@code timeline} is the leader's: the same timelines before it, switched at the same points. */
    private boolean sameAncestry(TimelineHistory leader, int timeline) throws PgControlException {
        if (timeline == 1) {
            return true;
        }
        if (!Files.exists(data.resolve("pg_wal").resolve(HistoryFiles.name(timeline)))) {
            return false;
        }
        TimelineHistory mine;
        try {
            mine = TimelineHistory.parse(timeline, timelineHistory(timeline));
        } catch (IllegalArgumentException e) {
            return false;
        }
        List<TimelineHistory.Entry> before = leader.ancestors().stream().takeWhile(e -> e.timeline() != timeline).toList();
        return before.equals(mine.ancestors());
    }

    /**
     * The segment of {@code timeline} holding {@code at} and the newest of that timeline in pg_wal;
     * empty when the first is missing (nothing to read there: pg_rewind decides).
     */
    private static Optional<String[]> segmentsFrom(Path pgWal, int timeline, Lsn at) throws PgControlException {
        String prefix = String.format("%08X", timeline);
        List<Path> ofTimeline;
        try (java.util.stream.Stream<Path> files = Files.list(pgWal)) {
            ofTimeline = files.filter(f -> f.getFileName().toString().matches(prefix + "[0-9A-F]{16}")).sorted().toList();
        } catch (IOException e) {
            throw new PgControlException("cannot list " + pgWal + ": " + e.getMessage(), e);
        }
        if (ofTimeline.isEmpty()) {
            return Optional.empty();
        }
        long size;
        try {
            size = Files.size(ofTimeline.get(0));
        } catch (IOException e) {
            throw new PgControlException("cannot read the size of " + ofTimeline.get(0) + ": " + e.getMessage(), e);
        }
        if (Long.bitCount(size) != 1 || size < (1 << 20) || size > (1L << 30)) {
            return Optional.empty();
        }
        String first = WalFileName.segmentName(timeline, at.segmentNumber(size), size);
        String newest = ofTimeline.get(ofTimeline.size() - 1).getFileName().toString();
        if (!Files.exists(pgWal.resolve(first)) || newest.compareTo(first) < 0) {
            return Optional.empty();
        }
        return Optional.of(new String[] {first, newest});
    }

    /** The source's history file in pg_wal, durably, owned and moded as PostgreSQL's own files. */
    private static void writeHistory(Path pgWal, int timeline, byte[] file) throws PgControlException {
        Path target = pgWal.resolve(HistoryFiles.name(timeline));
        try {
            DataFiles.writeDurably(target, file);
        } catch (IOException e) {
            throw new PgControlException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** Whether pg_wal names a timeline after {@code timeline} (a segment, a partial one, a history file). */
    private static boolean newerTimelineIn(Path pgWal, int timeline) throws PgControlException {
        try (java.util.stream.Stream<Path> files = Files.list(pgWal)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(n -> n.matches("[0-9A-F]{8}(\\.history|[0-9A-F]{16}(\\.partial)?)"))
                    .anyMatch(n -> Long.parseLong(n.substring(0, 8), 16) > timeline);
        } catch (IOException e) {
            throw new PgControlException("cannot list " + pgWal + ": " + e.getMessage(), e);
        }
    }

    /**
     * Afterwards the data directory holds the source's configuration files, this agent's file
     * included: {@link #configure} must run before the next start.
     */
    @Override
    public void rewind(Upstream source, Duration timeout) throws PgControlException {
        requireStopped("pg_rewind");
        RewindSource.checkpointIfBehind(new PgTarget(source.host(), source.port(), settings.local().user(), "postgres"),
                QUERY_TIMEOUT, timeout);
        // before pg_rewind changes anything: an agent killed during it leaves the record too
        recordUnfinishedRewind("pg_rewind against " + source.name() + " started at " + clock.instant()
                + " and did not finish");
        // restore_command comes from the target's own configuration (--restore-target-wal), so
        // configure() must have run; the source is asked over libpq, password from ~/.pgpass
        ProgramOutput out = programs.run(timeout, "pg_rewind", "--target-pgdata=" + data,
                "--source-server=" + sourceConnInfo(source), "--restore-target-wal");
        if (!out.ok()) {
            String why = "pg_rewind of " + data + " against " + source.name() + " failed: " + out.failure();
            // a source it could not connect to (refused, timed out, password refused): pg_rewind
            // stops before it changes anything in the target
            if (RewindOutput.sourceNotConnected(out.output())) {
                forgetUnfinishedRewind();
                throw new SourceUnreachableException(why);
            }
            recordUnfinishedRewind(why);
            throw new PgControlException(why);
        }
        forgetUnfinishedRewind();
    }

    @Override
    public java.util.Optional<String> unfinishedRewind() throws PgControlException {
        try {
            String why = Files.readString(rewindRecord(), java.nio.charset.StandardCharsets.UTF_8).strip();
            return java.util.Optional.of(why.isEmpty() ? "a pg_rewind did not finish (" + rewindRecord() + ")" : why);
        } catch (java.nio.file.NoSuchFileException e) {
            return java.util.Optional.empty();
        } catch (IOException e) {
            throw new PgControlException("cannot read " + rewindRecord() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void forgetUnfinishedRewind() throws PgControlException {
        try {
            DataFiles.deleteDurably(rewindRecord());
        } catch (IOException e) {
            throw new PgControlException("cannot remove " + rewindRecord() + ": " + e.getMessage(), e);
        }
    }

    private void recordUnfinishedRewind(String why) throws PgControlException {
        try {
            DataFiles.writeDurably(rewindRecord(), (why + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new PgControlException("cannot write " + rewindRecord() + ": " + e.getMessage(), e);
        }
    }

    /** Beside the data directory: pg_rewind removes what its source lacks from inside it. */
    private Path rewindRecord() {
        return data.resolveSibling(data.getFileName() + ".pgvault-rewind");
    }

    /** Like {@link #rewind}, the copy brings the source's configuration: {@link #configure} next. */
    @Override
    public void baseBackup(Upstream source, Duration timeout) throws PgControlException {
        requireStopped("pg_basebackup");
        requireEmpty("pg_basebackup");
        ProgramOutput out = programs.run(timeout, "pg_basebackup", "-D", data.toString(), "-h", source.host(),
                "-p", Integer.toString(source.port()), "-U", settings.local().user(), "-X", "stream", "-c", "fast",
                "-w");
        if (!out.ok()) {
            throw new PgControlException("pg_basebackup from " + source.name() + " into " + data + " failed: "
                    + out.failure());
        }
        try {
            Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new PgControlException("cannot make " + data + " mode 0700: " + e.getMessage(), e);
        }
    }

    @Override
    public Path moveAside() throws PgControlException {
        requireStopped("moving the data directory aside");
        String stamp = ASIDE_STAMP.format(clock.instant());
        Path aside = data.resolveSibling(data.getFileName() + ".pgvault-aside-" + stamp);
        for (int n = 1; Files.exists(aside); n++) {
            aside = data.resolveSibling(data.getFileName() + ".pgvault-aside-" + stamp + "-" + n);
        }
        try {
            Files.move(data, aside, StandardCopyOption.ATOMIC_MOVE);
            DataFiles.createLike(data, aside);
            forgetUnfinishedRewind(); // what it spoke of is aside
            return aside;
        } catch (IOException e) {
            throw new PgControlException("cannot move " + data + " aside to " + aside + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void removeData() throws PgControlException {
        requireStopped("removing the data");
        try {
            DataFiles.deleteContents(data);
        } catch (IOException e) {
            throw new PgControlException("cannot empty " + data + ": " + e.getMessage(), e);
        }
        forgetUnfinishedRewind();
    }

    @Override
    public List<Standby> standbys() throws PgControlException {
        try {
            return queries.standbys();
        } catch (SQLException e) {
            throw new PgControlException("cannot read pg_stat_replication on " + settings.local() + ": " + LocalConnection.oneLine(e), e);
        }
    }

    @Override
    public Map<String, Boolean> physicalSlots() throws PgControlException {
        try {
            return queries.physicalSlots();
        } catch (SQLException e) {
            throw new PgControlException("cannot read pg_replication_slots on " + settings.local() + ": "
                    + LocalConnection.oneLine(e), e);
        }
    }

    @Override
    public void createSlot(String name) throws PgControlException {
        java.util.Set<String> ours = new java.util.TreeSet<>(agentSlots());
        if (ours.add(name)) {
            writeSlotLedger(ours);
        }
        slotCall("SELECT pg_create_physical_replication_slot(?, true)", name, "create replication slot");
    }

    @Override
    public void dropSlot(String name) throws PgControlException {
        java.util.Set<String> ours = new java.util.TreeSet<>(agentSlots());
        if (!ours.contains(name)) {
            throw new PgControlException("replication slot " + name + " was not created by pgvault: not dropped");
        }
        slotCall("SELECT pg_drop_replication_slot(?)", name, "drop replication slot");
        ours.remove(name);
        writeSlotLedger(ours);
    }

    @Override
    public java.util.Set<String> agentSlots() throws PgControlException {
        try {
            return DataFiles.read(slotLedger()).lines().map(String::strip).filter(l -> !l.isEmpty())
                    .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
        } catch (IOException e) {
            throw new PgControlException("cannot read " + slotLedger() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void forgetSlots(java.util.Set<String> names) throws PgControlException {
        java.util.Set<String> ours = new java.util.TreeSet<>(agentSlots());
        if (ours.removeAll(names)) {
            writeSlotLedger(ours);
        }
    }

    /**
     * The slots the agent created, beside the data directory rather than in it: a base backup or
     * pg_rewind of another node's data must not bring that node's list here.
     */
    private Path slotLedger() {
        return data.resolveSibling(data.getFileName() + ".slots");
    }

    private void writeSlotLedger(java.util.Set<String> names) throws PgControlException {
        try {
            DataFiles.write(slotLedger(), names.isEmpty() ? "" : String.join("\n", names) + "\n");
        } catch (IOException e) {
            throw new PgControlException("cannot write " + slotLedger() + ": " + e.getMessage(), e);
        }
    }

    private void slotCall(String sql, String name, String what) throws PgControlException {
        try {
            queries.slotCall(sql, name);
        } catch (SQLException e) {
            throw new PgControlException("cannot " + what + " " + name + " on " + settings.local() + ": "
                    + LocalConnection.oneLine(e), e);
        }
    }

    @Override
    public byte[] timelineHistory(int timeline) throws PgControlException {
        Path file = data.resolve("pg_wal").resolve(String.format("%08X.history", timeline));
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new PgControlException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Path dataDirectory() {
        return data;
    }

    private ControlData controlData() throws PgControlException {
        return ControlData.parse(pgControldata().output());
    }

    private ProgramOutput pgControldata() throws PgControlException {
        // C locale: the labels parsed are translated otherwise
        ProgramOutput out = programs.run(QUICK, Map.of("LC_ALL", "C"), "pg_controldata", "-D", data.toString());
        if (!out.ok()) {
            throw new PgControlException("pg_controldata on " + data + " failed: " + out.failure());
        }
        return out;
    }

    private String sourceConnInfo(Upstream source) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("host", source.host());
        p.put("port", Integer.toString(source.port()));
        p.put("user", settings.local().user());
        p.put("dbname", "postgres");
        return new ConnInfo(p).format();
    }

    private void rewriteIfChanged(Path file, java.util.function.UnaryOperator<String> edit) throws IOException {
        String before = DataFiles.read(file);
        String after = edit.apply(before);
        if (!after.equals(before)) {
            DataFiles.write(file, after);
        }
    }

    private void requireData(String what) throws PgControlException {
        if (!Files.exists(data.resolve("PG_VERSION"))) {
            throw new PgControlException("cannot " + what + ": " + data + " holds no cluster (no PG_VERSION)");
        }
    }

    private void requireStopped(String what) throws PgControlException {
        if (Postmaster.alive(data)) {
            throw new PgControlException(what + " needs PostgreSQL stopped, but a postmaster runs on " + data);
        }
    }

    private void requireEmpty(String what) throws PgControlException {
        try {
            if (!DataFiles.emptyOrMissing(data)) {
                throw new PgControlException(what + " needs an empty data directory, and " + data + " is not empty");
            }
        } catch (IOException e) {
            throw new PgControlException("cannot read " + data + ": " + e.getMessage(), e);
        }
    }

    private static void pause() throws PgControlException {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgControlException("interrupted", e);
        }
    }
}
