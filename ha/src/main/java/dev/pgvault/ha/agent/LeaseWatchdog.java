package dev.pgvault.ha.agent;

import dev.pgvault.ha.fence.AgentFence;
import dev.pgvault.ha.pg.LocalPostgres;
import dev.pgvault.ha.pg.PgControlException;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The last line of defence against two writable primaries: the loop demotes long before the
 * lease can expire, but a cycle can hang (a stuck pg_ctl, a stalled disk). This thread checks
 * ten times a second and stops a leading PostgreSQL immediately once the lease is within its
 * margin ({@link dev.pgvault.ha.HaSettings#stopMargin()}) of expiring. Every order it gets goes to the {@link AgentFence} too, whose process
 * does the same from outside this JVM, a little later, when this JVM freezes.
 */
final class LeaseWatchdog implements AutoCloseable {
    private final LocalPostgres postgres;
    private final Clock steady;
    private final Clock wall;
    private final Consumer<String> log;
    private final AgentFence fence;
    private final Duration margin;
    private final Thread thread;
    private volatile boolean armed;
    private volatile LeaseDeadline lease;
    private volatile boolean closed;
    /** The last failed stop's message, so that retries four times a second log it once. */
    private String lastError;
    /** Whether it has stopped PostgreSQL since the last guard call. */
    private volatile boolean fired;

    LeaseWatchdog(LocalPostgres postgres, Clock steady, Clock wall, Consumer<String> log, AgentFence fence,
            Duration margin) {
        this.postgres = postgres;
        this.margin = margin;
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

    /**
     * A renewal in the middle of a cycle: the same guard, with the later deadline (counted from
     * before the renewal was sent), so that a long cycle is judged by the lease it renewed and not
     * by the one before; on a short lease the difference is a second of a 4 s lease.
     */
    void extend(LeaseDeadline renewed) {
        this.lease = renewed;
        fence.guard(armed, renewed.remaining(steady, wall));
    }

    boolean armed() {
        return armed;
    }

    private void watch() {
        while (!closed) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            LeaseDeadline until = lease;
            if (armed && (until == null || until.remaining(steady, wall).compareTo(margin) < 0)) {
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
