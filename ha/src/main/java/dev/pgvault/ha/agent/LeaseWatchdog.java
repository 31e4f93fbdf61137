package dev.pgvault.ha.agent;

import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.pg.LocalPostgres;
import dev.pgvault.ha.pg.PgControlException;
import java.time.Clock;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * The last line of defence against two writable primaries: the loop demotes long before the
 * lease can expire, but a cycle can hang (a stuck pg_ctl, a stalled disk). This thread checks
 * four times a second and stops a leading PostgreSQL immediately once the lease is within the
 * stop budget of expiring.
 */
final class LeaseWatchdog implements AutoCloseable {
    private final LocalPostgres postgres;
    private final Clock clock;
    private final Consumer<String> log;
    private final Thread thread;
    private volatile boolean armed;
    private volatile Instant leaseValidUntil;
    private volatile boolean closed;

    LeaseWatchdog(LocalPostgres postgres, Clock clock, Consumer<String> log) {
        this.postgres = postgres;
        this.clock = clock;
        this.log = log;
        this.thread = new Thread(this::watch, "pgvault-lease-watchdog");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** After each cycle: whether this node runs a writable primary, and until when its lease surely holds. */
    void guard(boolean writablePrimary, Instant validUntil) {
        this.leaseValidUntil = validUntil;
        this.armed = writablePrimary;
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
            Instant until = leaseValidUntil;
            if (armed && (until == null || clock.instant().plus(HaSettings.STOP_BUDGET).isAfter(until))) {
                armed = false;
                log.accept("watchdog: the lease could expire at " + until + " and the cycle has not demoted: "
                        + "stopping PostgreSQL immediately");
                try {
                    postgres.stopImmediately();
                } catch (PgControlException e) {
                    log.accept("watchdog: " + e.getMessage());
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
