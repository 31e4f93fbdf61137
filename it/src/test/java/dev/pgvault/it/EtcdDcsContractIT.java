package dev.pgvault.it;

import dev.pgvault.ha.dcs.Dcs;
import dev.pgvault.ha.dcs.DcsContract;
import dev.pgvault.ha.dcs.EtcdCredentials;
import dev.pgvault.ha.dcs.EtcdDcs;
import dev.pgvault.ha.tls.EtcdClientTls;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

/**
 * {@link EtcdDcs} against the {@link DcsContract} on a real one-member etcd: the same checks the
 * in-memory fake passes, so the agent's unit tests and the simulation stand on what etcd does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EtcdDcsContractIT extends DcsContract {
    /** etcd's shortest lease at its default timing (1.5 s, in whole seconds): expiry is waited for in real time. */
    private static final Duration TTL = Duration.ofSeconds(2);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);
    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    EtcdCluster etcd;
    private String cluster;

    @BeforeAll
    void startEtcd() throws Exception {
        etcd = startCluster();
    }

    /** The etcd the contract runs against: one member on plain HTTP here. */
    protected EtcdCluster startCluster() throws Exception {
        return EtcdCluster.start(1);
    }

    @AfterAll
    void stopEtcd() {
        etcd.close();
    }

    @BeforeEach
    void newCluster() {
        cluster = "contract-" + CLUSTERS.incrementAndGet(); // its own key prefix: no test sees another's keys
    }

    @Override
    protected Dcs newClient() {
        return new EtcdDcs(List.of(URI.create(etcd.clientUrl(0))), cluster, TTL, requestTimeout(), Clock.systemUTC(),
                credentials(), tls());
    }

    /** How long one request may take: the standard lease's here, a short lease's where it is tested. */
    protected Duration requestTimeout() {
        return REQUEST_TIMEOUT;
    }

    /** Whom the clients authenticate as: nobody here, an etcd user where authentication is on. */
    protected EtcdCredentials credentials() {
        return null;
    }

    /** The clients' TLS: none here, a client certificate where etcd asks for one. */
    protected EtcdClientTls tls() {
        return null;
    }

    @Override
    protected Duration ttl() {
        return TTL;
    }

    @Override
    protected void pass(Duration time) throws InterruptedException {
        Thread.sleep(time.toMillis());
    }

    @Override
    protected void cutOff() {
        etcd.stop(0);
    }

    @Override
    protected void reconnect() throws Exception {
        etcd.restart(0);
    }

    @Override
    protected Duration callBound() {
        // keepAlive may make two requests (a renewal refused, then a grant), each bounded by the timeout
        return REQUEST_TIMEOUT.multipliedBy(2).plusSeconds(1);
    }
}
