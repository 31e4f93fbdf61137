package dev.pgvault.ha.agent;

import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.fence.AgentFence;
import dev.pgvault.ha.pg.LocalPostgres;
import dev.pgvault.ha.pg.PgControlException;
import java.time.Clock;
import java.util.function.Consumer;

/**
 * The last line of defence against two writable primaries: the loop demotes long before the
 * lease can expire, but a cycle can hang (a stuck pg_ctl, a stalled disk). This thread checks
 * four times a second and stops a leading PostgreSQL immediately once the lease is within the
 * stop budget of expiring. Every order it gets goes to the {@link AgentFence} too, whose process
 * does the same from outside this JVM, a little later, when this JVM freezes.
 */
final class LeaseWatchdog implements AutoCloseable {
    private final LocalPostgres postgres;
    private final Clock steady;
    private final Clock wall;
    private final Consumer<String> log;
    private final AgentFence fence;
    private final Thread thread;
    private volatile boolean armed;
    private volatile LeaseDeadline lease;
    private volatile boolean closed;
    /** The last failed stop's message, so that retries four times a second log it once. */
    private String lastError;
    /** Whether it has stopped PostgreSQL since the last guard call. */
    private volatile boolean fired;

    LeaseWatchdog(LocalPostgres postgres, Clock steady, Clock wall, Consumer<String> log, AgentFence fence) {
        this.postgres = postgres;
        this.fence = fence;
        this.steady = steady;
        this.wall = wall;
        this.log = log;
        this.thread = new Thread(this::watch, "pgvault-lease-watchdog");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** After each cycle: whether this node runs a writable primary, and until when its lease surely holds. */
    void guard(boolean writablePrimary, LeaseDeadline lease) {
        this.lease = lease;
        this.fired = false;
        this.armed = writablePrimary;
        fence.guard(writablePrimary, lease == null ? null : lease.remaining(steady, wall));
    }

    boolean armed() {
        return armed;
    }

    private void watch() {
        while (!closed) {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            }
            LeaseDeadline until = lease;
            if (armed && (until == null || until.remaining(steady, wall).compareTo(HaSettings.STOP_BUDGET) < 0)) {
                if (!fired) {
                    fired = true;
                    log.accept("watchdog: the lease could expire at " + (until == null ? "any moment" : until.wall())
                            + " and the cycle has not demoted: stopping PostgreSQL immediately");
                }
                // disarmed only once it has stopped a postmaster: one still starting (no pid file
                // yet) must not come up writable after a stop that found nothing, nor after one
                // that failed; once stopped, the cycle's own demotion may start it read-only
                try {
                    if (postgres.stopImmediately()) {
                        armed = false;
                    }
                    lastError = null;
                } catch (PgControlException e) {
                    if (!e.getMessage().equals(lastError)) {
                        log.accept("watchdog: " + e.getMessage() + "; retrying");
                    }
                    lastError = e.getMessage();
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
