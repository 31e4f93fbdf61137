package dev.pgvault.ha.sim;

import dev.pgvault.ha.pg.LocalPostgres;
import dev.pgvault.ha.pg.PgControlException;
import dev.pgvault.ha.pg.PgStatus;
import dev.pgvault.ha.pg.Standby;
import dev.pgvault.ha.pg.Upstream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One node's PostgreSQL in the simulation, modelled as far as the agent's safety depends on it:
 * its WAL is a list of record ids (a commit's id is positive, a checkpoint or end-of-recovery
 * record's negative; each id is written once, cluster-wide), so two nodes share a history exactly
 * when one's list is a prefix of the other's. A standby streams only from an upstream whose WAL
 * extends its own, as PostgreSQL refuses a primary that forked before its position; a clean
 * shutdown of a primary sends everything to the standbys streaming from it, an immediate one sends
 * nothing; a promotion starts a new timeline. synchronous_standby_names takes effect at start and
 * reload, and the {@link SimWorld} acknowledges commits by it.
 */
final class SimPostgres implements LocalPostgres {
    static final long SYSTEM_ID = 7300000000000000042L;

    final String name;
    private final SimWorld world;

    boolean hasData;
    boolean running;
    boolean inRecovery;
    boolean standbyConfigured;
    /** pg_control: it last ran as a primary (in production or shut down, not in recovery). */
    boolean wasPrimary;
    /** pg_control: it did not shut down cleanly. */
    boolean crashed;
    int timeline;
    List<Long> wal = new ArrayList<>();
    /** Where the latest checkpoint record starts: what pg_control shows on a stopped cluster. */
    long checkpointLsn;
    String upstream;
    String configuredStandbyNames = "";
    String appliedStandbyNames = "";
    /** Set by the world each tick: a walreceiver is streaming from {@link #upstream}. */
    boolean streaming;
    /** The next pg_rewind fails after it changed the target (a full disk, say): a fault. */
    boolean nextRewindBreaks;
    /** A pg_rewind failed half-way: the data directory must never be started again. */
    boolean halfRewound;

    SimPostgres(String name, SimWorld world) {
        this.name = name;
        this.world = world;
    }

    /** The end of the WAL: 1000 bytes of start, 100 per record. */
    long endLsn() {
        return lsnAt(wal.size());
    }

    static long lsnAt(int records) {
        return 1000L + 100L * records;
    }

    boolean writable() {
        return running && !inRecovery;
    }

    /** Whether this node's WAL is a prefix of {@code other}'s: ids are unique, so the last one tells. */
    boolean prefixOf(SimPostgres other) {
        int n = wal.size();
        return n == 0 || other.wal.size() >= n && other.wal.get(n - 1).equals(wal.get(n - 1));
    }

    @Override
    public PgStatus status() {
        long lsn = running ? endLsn() : hasData ? checkpointLsn : 0;
        return new PgStatus(hasData, running, running && inRecovery, hasData ? timeline : 0, lsn,
                running && inRecovery && streaming, hasData && !running && wasPrimary, hasData && !running && crashed,
                hasData ? SYSTEM_ID : 0);
    }

    @Override
    public void initdb() throws PgControlException {
        if (hasData) {
            throw new PgControlException("initdb: directory is not empty");
        }
        hasData = true;
        timeline = 1;
        wal = new ArrayList<>();
        checkpoint();
        wasPrimary = true;
        crashed = false;
    }

    /** Appends a record that is not a commit and makes it the latest checkpoint. */
    private void checkpoint() {
        checkpointLsn = endLsn();
        wal.add(-world.nextId());
    }

    @Override
    public void configure(boolean standby, Upstream up, String synchronousStandbyNames) {
        standbyConfigured = standby;
        // PostgreSQL 13 and later reload primary_conninfo: the new upstream counts at once
        upstream = standby && up != null ? up.name() : null;
        configuredStandbyNames = synchronousStandbyNames == null ? "" : synchronousStandbyNames;
    }

    @Override
    public void start(Duration timeout) throws PgControlException {
        if (!hasData) {
            throw new PgControlException("pg_ctl start: no data directory");
        }
        if (halfRewound) {
            world.startedHalfRewound(name);
        }
        if (running) {
            throw new PgControlException("pg_ctl start: another server might be running");
        }
        SimPostgres up = upstream == null ? null : world.node(upstream);
        if (standbyConfigured && up != null && up.running && up.timeline > timeline && !prefixOf(up)) {
            // as PostgreSQL refuses a newer timeline that forked before what it already replayed
            crashed = true;
            throw new PgControlException("FATAL:  requested timeline " + up.timeline
                    + " does not contain minimum recovery point on timeline " + timeline);
        }
        running = true;
        inRecovery = standbyConfigured;
        crashed = false;
        appliedStandbyNames = configuredStandbyNames;
        streaming = false;
    }

    @Override
    public void stop(Duration fastBudget) {
        if (!running) {
            return;
        }
        if (!inRecovery) {
            // the shutdown checkpoint, then the walsenders send all WAL before they exit
            checkpoint();
            world.shipTo(this, true);
            wasPrimary = true;
        } else {
            checkpointLsn = endLsn();
            wasPrimary = false;
        }
        running = false;
        crashed = false;
        streaming = false;
    }

    @Override
    public boolean stopImmediately() {
        if (!running) {
            return false;
        }
        running = false;
        crashed = true;
        wasPrimary = !inRecovery;
        streaming = false;
        return true;
    }

    @Override
    public void promote(Duration timeout) throws PgControlException {
        if (!running || !inRecovery) {
            throw new PgControlException("pg_ctl promote: server is not in standby mode");
        }
        inRecovery = false;
        standbyConfigured = false;
        streaming = false;
        timeline = world.nextTimeline();
        wal.add(-world.nextId()); // the end-of-recovery record, on the new timeline
    }

    @Override
    public void reload() {
        if (running) {
            appliedStandbyNames = configuredStandbyNames;
        }
    }

    @Override
    public void crashRecovery(Duration timeout) {
        crashed = false;
        checkpointLsn = endLsn();
    }

    @Override
    public void rewind(Upstream source, Duration timeout) throws PgControlException {
        SimPostgres from = reachable(source, "pg_rewind");
        if (running || crashed) {
            throw new PgControlException("pg_rewind: target server must be shut down cleanly");
        }
        if (nextRewindBreaks) {
            nextRewindBreaks = false;
            halfRewound = true;
            throw new PgControlException("pg_rewind: error: could not write file: No space left on device");
        }
        wal = new ArrayList<>(from.wal);
        timeline = from.timeline;
        checkpointLsn = endLsn();
        wasPrimary = false;
    }

    @Override
    public java.util.Optional<String> unfinishedRewind() {
        return halfRewound ? java.util.Optional.of("pg_rewind: error: could not write file: No space left on device")
                : java.util.Optional.empty();
    }

    @Override
    public void forgetUnfinishedRewind() {
        halfRewound = false;
    }

    @Override
    public void baseBackup(Upstream source, Duration timeout) throws PgControlException {
        SimPostgres from = reachable(source, "pg_basebackup");
        if (hasData) {
            throw new PgControlException("pg_basebackup: directory exists and is not empty");
        }
        hasData = true;
        wal = new ArrayList<>(from.wal);
        timeline = from.timeline;
        checkpointLsn = endLsn();
        wasPrimary = false;
        crashed = false;
    }

    private SimPostgres reachable(Upstream source, String program) throws PgControlException {
        SimPostgres from = world.node(source.name());
        if (from == null || !from.running) {
            throw new dev.pgvault.ha.pg.SourceUnreachableException(program + ": could not connect to server " + source.name());
        }
        return from;
    }

    @Override
    public Path moveAside() {
        removeData();
        return Path.of("/sim/aside", name);
    }

    @Override
    public void removeData() {
        hasData = false;
        halfRewound = false;
        wal = new ArrayList<>();
        timeline = 0;
        checkpointLsn = 0;
        wasPrimary = false;
        crashed = false;
    }

    @Override
    public List<Standby> standbys() throws PgControlException {
        if (!running) {
            throw new PgControlException("could not connect to server " + name);
        }
        SimPostgres sync = world.synchronousStandbyOf(this);
        List<Standby> out = new ArrayList<>();
        for (SimPostgres s : world.streamingFrom(this)) {
            String state = s == sync ? "sync" : SimWorld.standbyNames(appliedStandbyNames).contains(s.name) ? "potential"
                    : "async";
            out.add(new Standby(s.name, "streaming", state, s.endLsn()));
        }
        return out;
    }

    @Override
    public byte[] timelineHistory(int timeline) throws PgControlException {
        throw new PgControlException("the simulation keeps no history files"); // the agent records nothing then
    }

    /** Its replication slots: a test reads and sets them. */
    final dev.pgvault.ha.pg.InMemorySlots slots = new dev.pgvault.ha.pg.InMemorySlots();

    @Override
    public java.util.Map<String, Boolean> physicalSlots() {
        return slots.physical();
    }

    @Override
    public void createSlot(String name) {
        slots.create(name);
    }

    @Override
    public void dropSlot(String name) throws PgControlException {
        slots.drop(name);
    }

    @Override
    public java.util.Set<String> agentSlots() {
        return slots.ours();
    }

    @Override
    public void forgetSlots(java.util.Set<String> names) {
        slots.forget(names);
    }

    @Override
    public Path dataDirectory() {
        return Path.of("/nonexistent/pgvault-sim", name);
    }
}
