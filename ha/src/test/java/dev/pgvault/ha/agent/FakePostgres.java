package dev.pgvault.ha.agent;

import dev.pgvault.ha.pg.LocalPostgres;
import dev.pgvault.ha.pg.PgControlException;
import dev.pgvault.ha.pg.PgStatus;
import dev.pgvault.ha.pg.Standby;
import dev.pgvault.ha.pg.Upstream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A PostgreSQL as a few fields, for the agent loop's unit tests; every call is recorded. */
final class FakePostgres implements LocalPostgres {
    boolean hasData;
    /** Run inside {@link #stop}: a shutdown that takes its time, say. */
    Runnable duringStop;
    volatile boolean running; // read by the watchdog thread
    boolean inRecovery;
    boolean standbyConfigured;
    int timeline = 1;
    long lsn = 1000;
    volatile boolean streaming; // set by a test while the agent's loop runs
    RuntimeException standbysFail;
    /** What pg_stat_replication shows. */
    List<Standby> standbys = List.of();
    /** The synchronous_standby_names last configured. */
    String standbyNames;
    /** Every synchronous_standby_names configured, in order. */
    final List<String> standbyNamesWritten = new java.util.concurrent.CopyOnWriteArrayList<>();
    final List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Thrown by start when set. */
    PgControlException startFails;
    PgControlException rewindFails;
    /** A stop becomes an immediate one, as a fast shutdown that ran out of time: status says crashed. */
    boolean stopsUnclean;
    boolean crashed;
    /** Runs inside promote: what the test checks while PostgreSQL is turning writable. */
    Runnable onPromote = () -> { };

    @Override
    public PgStatus status() {
        return new PgStatus(hasData, running, running && inRecovery, timeline, lsn, running && inRecovery && streaming,
                hasData && !running && !inRecovery, !running && crashed, 42);
    }

    @Override
    public void initdb() {
        calls.add("initdb");
        hasData = true;
    }

    @Override
    public void configure(boolean standby, Upstream upstream, String ssn) {
        calls.add("configure " + (standby ? "standby of " + (upstream == null ? "nobody" : upstream.name()
                + (upstream.slot() == null ? "" : " through slot " + upstream.slot())) : "primary"));
        standbyConfigured = standby;
        standbyNames = ssn;
        standbyNamesWritten.add(String.valueOf(ssn));
    }

    @Override
    public void start(Duration timeout) throws PgControlException {
        calls.add("start");
        if (startFails != null) {
            throw startFails;
        }
        running = true;
        crashed = false;
        inRecovery = standbyConfigured;
    }

    @Override
    public void stop(Duration fastBudget) {
        calls.add("stop");
        if (duringStop != null) {
            duringStop.run();
        }
        crashed = crashed || (running && stopsUnclean);
        running = false;
    }

    @Override
    public boolean stopImmediately() {
        calls.add("stop immediately");
        boolean was = running;
        running = false;
        return was;
    }

    @Override
    public void promote(Duration timeout) {
        calls.add("promote");
        onPromote.run();
        inRecovery = false;
        timeline++;
    }

    @Override
    public void reload() {
        calls.add("reload");
    }

    @Override
    public void crashRecovery(Duration timeout) {
        calls.add("crash recovery");
    }

    @Override
    public void rewind(Upstream source, Duration timeout) throws PgControlException {
        calls.add("rewind " + source.name());
        if (rewindFails != null) {
            if (!(rewindFails instanceof dev.pgvault.ha.pg.SourceUnreachableException)) {
                unfinishedRewind = rewindFails.getMessage();
            }
            throw rewindFails;
        }
    }

    /** What a failed rewind records beside the data directory; null: nothing. */
    String unfinishedRewind;

    @Override
    public java.util.Optional<String> unfinishedRewind() {
        return java.util.Optional.ofNullable(unfinishedRewind);
    }

    @Override
    public void forgetUnfinishedRewind() {
        calls.add("forget unfinished rewind");
        unfinishedRewind = null;
    }

    @Override
    public void baseBackup(Upstream source, Duration timeout) {
        calls.add("basebackup " + source.name());
        hasData = true;
    }

    @Override
    public Path moveAside() {
        calls.add("move aside");
        hasData = false;
        unfinishedRewind = null;
        return Path.of("/aside");
    }

    @Override
    public void removeData() {
        calls.add("remove data");
        hasData = false;
        unfinishedRewind = null;
    }

    @Override
    public List<Standby> standbys() throws PgControlException {
        if (standbysFail != null) {
            throw standbysFail;
        }
        return standbys;
    }

    /** A history as PostgreSQL writes it: every earlier timeline left 16 MiB further on. */
    @Override
    public byte[] timelineHistory(int timeline) {
        StringBuilder file = new StringBuilder();
        for (int parent = 1; parent < timeline; parent++) {
            file.append(parent).append('\t').append(Integer.toHexString(parent)).append("/0\tno recovery target specified\n\n");
        }
        return file.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
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
        return Path.of("/nonexistent/pgvault-fake");
    }
}
