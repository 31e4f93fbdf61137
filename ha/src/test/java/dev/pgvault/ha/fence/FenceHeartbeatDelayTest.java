package dev.pgvault.ha.fence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A disarmed agent's fence: none in its first moments, one once they are over. */
class FenceHeartbeatDelayTest {
    @TempDir
    Path dir;

    @Test
    void aDisarmedAgentStartsItsFenceOnceTheDelayIsOver() throws Exception {
        AtomicInteger starts = new AtomicInteger();
        FenceHeartbeat heartbeat = new FenceHeartbeat(FenceFiles.beside(dir.resolve("data")), starts::incrementAndGet,
                line -> { }, Duration.ofMillis(300));
        heartbeat.guard(false, null);
        assertEquals(0, starts.get(), "within the delay");
        Thread.sleep(400);
        heartbeat.guard(false, null);
        assertEquals(1, starts.get(), "the delay is over: a fence, though nothing is armed yet");
        heartbeat.guard(false, null);
        assertEquals(1, starts.get(), "at most one start a second");
    }
}
