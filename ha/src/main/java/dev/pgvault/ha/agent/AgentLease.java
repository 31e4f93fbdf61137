package dev.pgvault.ha.agent;

import dev.pgvault.ha.dcs.Dcs;
import dev.pgvault.ha.dcs.DcsException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * This agent's etcd lease as the agent knows it. Every renewal goes through one path: the
 * cycle's, a bootstrap's while archive recovery runs, those during a start or promotion
 * ({@link #keepAlive}), and the adoption of an earlier run's lease. Each counts the validity
 * from before its request, on both clocks, and hands the new deadline to the watchdog.
 */
final class AgentLease {
    /** One etcd request that renews a lease and says for how long it is valid from when it was sent. */
    private interface Renewal {
        Duration send() throws DcsException;
    }

    /** Renewals on a thread of their own, until closed. */
    interface Keeper extends AutoCloseable {
        @Override
        void close();
    }

    private final Dcs dcs;
    /** Wall time: the lease as the API and other nodes see it. */
    private final Clock clock;
    /** Real elapsed time, which never steps. */
    private final Clock steady;
    private final LeaseWatchdog watchdog;
    private final Consumer<String> log;
    /** Until when the lease surely holds; null before the first renewal. */
    private volatile LeaseDeadline deadline;

    AgentLease(Dcs dcs, Clock clock, Clock steady, LeaseWatchdog watchdog, Consumer<String> log) {
        this.dcs = dcs;
        this.clock = clock;
        this.steady = steady;
        this.watchdog = watchdog;
        this.log = log;
    }

    /** Renews the lease this agent holds (etcd grants a new one when it had expired). */
    void renew() throws DcsException {
        renewWith(dcs::keepAlive, null, watchdog::extend);
    }

    /** Keeps lease {@code id} of an earlier run of this agent alive as its own. */
    void adopt(long id) throws DcsException {
        renewWith(() -> dcs.adoptLease(id), null, watchdog::extend);
    }

    /** The lease's id, 0 when none. */
    long id() {
        return dcs.leaseId();
    }

    /** Until when the lease surely holds; null before the first renewal. */
    LeaseDeadline deadline() {
        return deadline;
    }

    /**
     * The lease's end as a wall-clock instant, for the decision and the API at wall time {@code now}:
     * the remaining validity is real elapsed time, whatever the wall clock did meanwhile.
     */
    Instant onWallClock(Instant now) {
        LeaseDeadline d = deadline;
        return d == null ? null : now.plus(d.remaining(steady, clock));
    }

    /**
     * Renews lease {@code id} every {@code every} on a thread of its own until closed, the
     * watchdog kept armed by each renewal: for a start or a promotion, as crash recovery or the
     * end of a long replay can outlast the ttl. The renewals also stop after {@code giveUpAfter},
     * or as soon as the lease turns out lost (a renewal could then only grant a new one, which
     * holds no key).
     */
    Keeper keepAlive(long id, Duration every, Duration giveUpAfter) {
        return keepAlive(id, every, giveUpAfter, "being made writable");
    }

    /** As {@link #keepAlive(long, Duration, Duration)}; {@code during} says what PostgreSQL is meanwhile, for the log. */
    Keeper keepAlive(long id, Duration every, Duration giveUpAfter, String during) {
        if (id == 0) {
            throw new IllegalArgumentException("no lease to keep alive");
        }
        Thread keeper = new Thread(() -> keep(id, every, giveUpAfter, during), "pgvault-lease-keeper");
        keeper.setDaemon(true);
        keeper.start();
        return () -> {
            keeper.interrupt();
            try {
                keeper.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    private void keep(long id, Duration every, Duration giveUpAfter, String during) {
        Instant giveUp = steady.instant().plus(giveUpAfter);
        String lastError = null;
        while (steady.instant().isBefore(giveUp)) {
            try {
                Thread.sleep(every.toMillis());
                if (!renewWith(dcs::keepAlive, id, d -> watchdog.guard(true, d))) {
                    log.accept("the lease expired while PostgreSQL was " + during);
                    return;
                }
            } catch (InterruptedException e) {
                return; // the work ended
            } catch (DcsException e) {
                if (!e.getMessage().equals(lastError)) {
                    log.accept("etcd, while PostgreSQL is " + during + ": " + e.getMessage());
                    lastError = e.getMessage();
                }
            }
        }
    }

    /**
     * The one renewal path: the send times read before the request; the deadline recorded, and
     * given to {@code watchdogTold}, only if the lease held afterwards is {@code expected} (null:
     * whichever the request left this agent holding). Returns whether it was recorded.
     */
    private boolean renewWith(Renewal request, Long expected, Consumer<LeaseDeadline> watchdogTold)
            throws DcsException {
        Instant steadySent = steady.instant();
        Instant wallSent = clock.instant();
        Duration valid = request.send();
        if (expected != null && dcs.leaseId() != expected) {
            return false;
        }
        LeaseDeadline renewed = LeaseDeadline.after(steadySent, wallSent, valid);
        deadline = renewed;
        watchdogTold.accept(renewed);
        return true;
    }
}
