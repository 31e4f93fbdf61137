package dev.pgvault.ha.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.ha.HaSettings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The watchdog thread itself, on a clock the test moves and a fake PostgreSQL. */
class LeaseWatchdogTest {
    private final HaAgentTest.MovingClock steady = new HaAgentTest.MovingClock(Instant.parse("2026-11-26T10:00:00Z"));
    private final FakePostgres pg = new FakePostgres();
    private final List<String> log = new ArrayList<>();

    @Test
    void stopsAWritablePrimaryOnceTheLeaseIsWithinTheStopBudgetOfExpiring() throws Exception {
        pg.running = true;
        try (LeaseWatchdog watchdog = new LeaseWatchdog(pg, steady, log::add)) {
            watchdog.start();
            Instant until = steady.now.plusSeconds(10);
            watchdog.guard(true, until);
            Thread.sleep(700); // a hung cycle: nobody renews
            assertEquals(List.of(), pg.calls, "plenty of lease left: " + log);

            steady.now = until.minus(HaSettings.STOP_BUDGET).plusMillis(1);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (pg.calls.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(List.of("stop immediately"), pg.calls, log.toString());
            assertTrue(log.get(0).startsWith("watchdog: the lease could expire"), log.toString());
        }
    }

    @Test
    void aDisarmedWatchdogLeavesPostgresAlone() throws Exception {
        pg.running = true;
        try (LeaseWatchdog watchdog = new LeaseWatchdog(pg, steady, log::add)) {
            watchdog.start();
            watchdog.guard(false, null); // a replica: no lease needed
            steady.now = steady.now.plusSeconds(3600);
            Thread.sleep(700);
            assertEquals(List.of(), pg.calls);
        }
    }
}
