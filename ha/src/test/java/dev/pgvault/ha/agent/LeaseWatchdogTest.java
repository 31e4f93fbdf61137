package dev.pgvault.ha.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.ha.HaSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The watchdog thread itself, on clocks the test moves and a fake PostgreSQL. */
class LeaseWatchdogTest {
    private static final Instant START = Instant.parse("2026-11-26T10:00:00Z");
    private final HaAgentTest.MovingClock steady = new HaAgentTest.MovingClock(START);
    private final HaAgentTest.MovingClock wall = new HaAgentTest.MovingClock(START);
    private final FakePostgres pg = new FakePostgres();
    private final List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();

    private LeaseWatchdog started() {
        return started(HaSettings.STOP_BUDGET);
    }

    private LeaseWatchdog started(Duration margin) {
        LeaseWatchdog w = new LeaseWatchdog(pg, steady, wall, log::add, dev.pgvault.ha.fence.AgentFence.NONE, margin);
        w.start();
        return w;
    }

    /** A short lease's watchdog: a renewal mid-cycle moves its deadline; it stops 1 s before the renewed lease's end. */
    @Test
    void onAShortLeaseARenewalMidCycleMovesTheDeadlineAndTheStopComesOneSecondBeforeIt() throws Exception {
        pg.running = true;
        try (LeaseWatchdog watchdog = started(Duration.ofSeconds(1))) {
            watchdog.guard(true, LeaseDeadline.after(START, START, Duration.ofSeconds(4)));
            Instant renewedAt = START.plusMillis(2500);
            steady.now = renewedAt;
            wall.now = renewedAt;
            watchdog.extend(LeaseDeadline.after(renewedAt, renewedAt, Duration.ofSeconds(4)));
            Instant past = START.plusMillis(3500); // past the first lease's stop point, not the renewed one's
            steady.now = past;
            wall.now = past;
            Thread.sleep(500); // five looks
            assertEquals(List.of(), pg.calls, "the renewed lease holds until +6.5 s: " + log);

            Instant within = renewedAt.plus(Duration.ofSeconds(3)).plusMillis(1);
            steady.now = within;
            wall.now = within;
            await(() -> !pg.calls.isEmpty());
            assertEquals(List.of("stop immediately"), pg.calls, log.toString());
        }
    }

    private static LeaseDeadline tenSecondsFrom(Instant steadyAt, Instant wallAt) {
        return LeaseDeadline.after(steadyAt, wallAt, Duration.ofSeconds(10));
    }

    @Test
    void stopsAWritablePrimaryOnceTheLeaseIsWithinTheStopBudgetOfExpiring() throws Exception {
        pg.running = true;
        try (LeaseWatchdog watchdog = started()) {
            watchdog.guard(true, tenSecondsFrom(steady.now, wall.now));
            Thread.sleep(700); // a hung cycle: nobody renews
            assertEquals(List.of(), pg.calls, "plenty of lease left: " + log);

            Duration almost = Duration.ofSeconds(10).minus(HaSettings.STOP_BUDGET).plusMillis(1);
            steady.now = START.plus(almost);
            wall.now = START.plus(almost);
            await(() -> !pg.calls.isEmpty());
            assertEquals(List.of("stop immediately"), pg.calls, log.toString());
            assertTrue(log.get(0).startsWith("watchdog: the lease could expire"), log.toString());
            assertFalse(watchdog.armed(), "disarmed once it has stopped a postmaster");
        }
    }

    @Test
    void aMachineSuspendedPastTheLeaseIsCaughtByTheWallClock() throws Exception {
        pg.running = true;
        try (LeaseWatchdog watchdog = started()) {
            watchdog.guard(true, tenSecondsFrom(steady.now, wall.now));
            wall.now = START.plusSeconds(60); // the monotonic clock stood still while suspended
            await(() -> !pg.calls.isEmpty());
            assertEquals(List.of("stop immediately"), pg.calls, log.toString());
        }
    }

    @Test
    void aWallClockSteppedBackIsCaughtByTheSteadyClock() throws Exception {
        pg.running = true;
        try (LeaseWatchdog watchdog = started()) {
            watchdog.guard(true, tenSecondsFrom(steady.now, wall.now));
            steady.now = START.plusSeconds(9);
            wall.now = START.minusSeconds(30);
            await(() -> !pg.calls.isEmpty());
            assertEquals(List.of("stop immediately"), pg.calls, log.toString());
        }
    }

    @Test
    void aStopThatFoundNoPostmasterStaysArmedForTheOneStillStarting() throws Exception {
        pg.running = false; // pg_ctl start is under way, no pid file yet
        try (LeaseWatchdog watchdog = started()) {
            watchdog.guard(true, tenSecondsFrom(steady.now, wall.now));
            steady.now = START.plusSeconds(9);
            await(() -> !pg.calls.isEmpty());
            assertTrue(watchdog.armed(), "nothing was stopped: " + pg.calls);
            pg.running = true; // the postmaster is up
            await(() -> !pg.running);
            assertFalse(watchdog.armed());
        }
    }

    @Test
    void aDisarmedWatchdogLeavesPostgresAlone() throws Exception {
        pg.running = true;
        try (LeaseWatchdog watchdog = started()) {
            watchdog.guard(false, null); // a replica: no lease needed
            steady.now = START.plusSeconds(3600);
            wall.now = START.plusSeconds(3600);
            Thread.sleep(700);
            assertEquals(List.of(), pg.calls);
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(condition.getAsBoolean(), "not within 5 s");
    }
}
