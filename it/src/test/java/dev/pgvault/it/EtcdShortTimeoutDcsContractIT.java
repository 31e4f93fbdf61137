package dev.pgvault.it;

import java.time.Duration;

/**
 * The whole {@link dev.pgvault.ha.dcs.DcsContract} again, with the 400 ms request timeout of the
 * shortest lease (ha.ttl 4): shorter than jetcd's default first retry delay, which jetcd refuses
 * unless the delay is shortened too.
 */
class EtcdShortTimeoutDcsContractIT extends EtcdDcsContractIT {
    /**
     * One read first with a generous timeout: this JVM's first etcd request loads gRPC and Netty
     * (half a second and more here), which an agent pays once, in its first cycle, and then retries;
     * the contract is about every request after that.
     */
    @Override
    protected EtcdCluster startCluster() throws Exception {
        EtcdCluster started = super.startCluster();
        try (dev.pgvault.ha.dcs.EtcdDcs warm = new dev.pgvault.ha.dcs.EtcdDcs(
                java.util.List.of(java.net.URI.create(started.clientUrl(0))), "warm-up", Duration.ofSeconds(2),
                Duration.ofSeconds(10), java.time.Clock.systemUTC(), null, null)) {
            warm.read();
        }
        return started;
    }

    @Override
    protected Duration requestTimeout() {
        return Duration.ofMillis(400); // HaSettings.requestTimeout() at ttl 4
    }
}
