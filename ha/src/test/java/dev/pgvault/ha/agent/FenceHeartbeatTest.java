package dev.pgvault.ha.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.ha.fence.Fence;
import dev.pgvault.ha.fence.FenceFiles;
import dev.pgvault.ha.fence.FenceHeartbeat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's orders and a real fence loop (in a thread here; a process of its own in use) over one directory. */
class FenceHeartbeatTest {
    @TempDir
    Path dir;
    private final FakePostgres pg = new FakePostgres();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final AtomicInteger starts = new AtomicInteger();

    private Thread fence(FenceFiles files) {
        Thread t = new Thread(() -> {
            try {
                new Fence(files, pg, log::add, Duration.ofSeconds(2)).run();
            } catch (Exception e) {
                log.add("fence failed: " + e);
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void aFrozenAgentsPrimaryIsStoppedBeforeItsLeaseEndsAndNotBefore() throws Exception {
        FenceFiles files = FenceFiles.beside(dir.resolve("data"));
        FenceHeartbeat heartbeat = new FenceHeartbeat(files, starts::incrementAndGet, log::add);
        pg.running = true;
        heartbeat.guard(true, Duration.ofMillis(2900)); // then the agent freezes: no order more
        assertEquals(1, starts.get(), "no fence ran: the first order starts one");
        Thread fence = fence(files);
        long began = System.nanoTime();
        Thread.sleep(600);
        assertTrue(pg.running, "stopped while more than the margin was left: " + log);
        while (pg.running && System.nanoTime() - began < 5_000_000_000L) {
            Thread.sleep(20);
        }
        double at = (System.nanoTime() - began) / 1e9;
        assertFalse(pg.running, "never stopped: " + log);
        assertTrue(at > 0.8 && at < 1.4, "stopped " + at + " s after the last order, with 2.9 s of lease left: " + log);
        assertTrue(log.stream().anyMatch(l -> l.contains("stopped it immediately")), log.toString());
        heartbeat.retire();
        fence.join(3000);
        assertFalse(fence.isAlive(), "a retired fence ends");
    }

    @Test
    void aDisarmedAgentStartsNoFenceInItsFirstSecondsAndAnArmedOneAtOnce() {
        FenceFiles files = FenceFiles.beside(dir.resolve("data"));
        FenceHeartbeat heartbeat = new FenceHeartbeat(files, starts::incrementAndGet, log::add);
        heartbeat.guard(false, null);
        heartbeat.guard(false, Duration.ofSeconds(3));
        assertEquals(0, starts.get(), "a standby's first seconds: nothing for a fence to guard");
        assertTrue(java.nio.file.Files.exists(files.order()), "the order is written all the same");
        heartbeat.guard(true, Duration.ofSeconds(3));
        assertEquals(1, starts.get(), "writable: a fence at once");
    }

    @Test
    void renewedOrdersKeepPostgresRunningAndDisarmedNothingIsStopped() throws Exception {
        FenceFiles files = FenceFiles.beside(dir.resolve("data"));
        FenceHeartbeat heartbeat = new FenceHeartbeat(files, starts::incrementAndGet, log::add);
        pg.running = true;
        heartbeat.guard(true, Duration.ofMillis(2500));
        Thread fence = fence(files);
        for (int i = 0; i < 15; i++) { // an agent renewing every 200 ms
            Thread.sleep(200);
            heartbeat.guard(true, Duration.ofMillis(2500));
        }
        assertTrue(pg.running, log.toString());
        heartbeat.guard(false, null); // demoted: a standby is no danger, whatever the lease
        Thread.sleep(500);
        assertTrue(pg.running, log.toString());
        assertTrue(heartbeat.running(), "the fence holds its lock");
        assertEquals(1, starts.get(), "started once, then found running");
        heartbeat.retire();
        fence.join(3000);
        assertFalse(fence.isAlive());
    }

    @Test
    void aSecondFenceLeavesTheWatchToTheFirst() throws Exception {
        FenceFiles files = FenceFiles.beside(dir.resolve("data"));
        FenceHeartbeat heartbeat = new FenceHeartbeat(files, starts::incrementAndGet, log::add);
        heartbeat.guard(false, null);
        Thread first = fence(files);
        Thread.sleep(300);
        assertFalse(new Fence(files, pg, log::add, Duration.ofSeconds(2)).run(), "a second fence runs beside the first");
        heartbeat.retire();
        first.join(3000);
        assertFalse(first.isAlive());
    }
}
