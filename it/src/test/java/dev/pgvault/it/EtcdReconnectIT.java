package dev.pgvault.it;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pgvault.ha.dcs.DcsException;
import dev.pgvault.ha.dcs.EtcdDcs;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An agent finds etcd again at its first request after a long outage. gRPC waits longer and
 * longer between connection attempts (1 s growing by 1.6 each time) and a request made meanwhile
 * waits for the next one: after 30 s down, a client polling every second as the agent does found
 * etcd back only 10.5-14.4 s after it returned (three runs), with nothing telling it sooner.
 */
class EtcdReconnectIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    @Test
    void theFirstRequestAfterAnOutageOfTwentySecondsIsAnswered() throws Exception {
        try (EtcdCluster etcd = EtcdCluster.start(1);
                EtcdDcs dcs = new EtcdDcs(List.of(URI.create(etcd.clientUrl(0))), "reconnect", Duration.ofSeconds(5),
                        TIMEOUT, Clock.systemUTC())) {
            dcs.keepAlive();
            etcd.stop(0);
            long down = System.nanoTime();
            while (System.nanoTime() - down < Duration.ofSeconds(20).toNanos()) {
                long cycle = System.nanoTime();
                assertThrows(DcsException.class, dcs::read); // an agent's cycle, once a second
                Thread.sleep(Math.max(0, 1000 - (System.nanoTime() - cycle) / 1_000_000));
            }
            etcd.restart(0); // healthy: it answers
            assertDoesNotThrow(dcs::read, "the first request after etcd came back, within " + TIMEOUT.toMillis() + " ms");
        }
    }
}
