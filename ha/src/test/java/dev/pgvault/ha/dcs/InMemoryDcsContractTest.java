package dev.pgvault.ha.dcs;

import dev.pgvault.ha.api.InMemoryDcs;
import dev.pgvault.ha.cluster.ClusterState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

/** The in-memory fake against the {@link DcsContract}: what the agent tests and the simulation stand on. */
class InMemoryDcsContractTest extends DcsContract {
    private Instant now = Instant.parse("2026-12-03T10:00:00Z");
    private final InMemoryDcs store = new InMemoryDcs(ClusterState.empty());

    InMemoryDcsContractTest() {
        store.ttl = Duration.ofSeconds(10);
        store.clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Instant instant() {
                return now;
            }
        };
    }

    @Override
    protected Dcs newClient() {
        return store.anotherClient();
    }

    @Override
    protected Duration ttl() {
        return store.ttl;
    }

    @Override
    protected void pass(Duration time) {
        now = now.plus(time);
    }

    @Override
    protected void cutOff() {
        store.down = true;
    }

    @Override
    protected void reconnect() {
        store.down = false;
    }

    @Override
    protected Duration callBound() {
        return Duration.ofMillis(100);
    }
}
