package dev.pgvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgvault.ha.tls.ApiTls;
import dev.pgvault.ha.tls.TestCertificates;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The REST API over TLS on real agents: a two-node cluster whose nodes serve an operator's
 * certificate (made by openssl) answers health checks over HTTPS only, publishes https:// API
 * addresses, and {@code ha switchover} still goes through the node's own agent, trusting exactly
 * the certificate its configuration names.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HaApiTlsIT {
    EtcdCluster etcd;
    HaCluster cluster;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found");
        OsUser user = OsUser.forPostgres();
        Path dir = user.newDirectory("pgvault-ha-tls");
        ApiTls tls = TestCertificates.make(dir, "node");
        user.own(tls.certFile());
        user.own(tls.keyFile());
        etcd = EtcdCluster.start(1);
        cluster = HaCluster.create("ittls", etcd.clientUrls(), 2, "api-cert-file: " + tls.certFile(),
                "api-key-file: " + tls.keyFile());
        cluster.startAll();
    }

    @AfterAll
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @Test
    void healthChecksAnswerOverHttpsOnlyAndSwitchoverGoesThroughTheLocalAgent() throws Exception {
        HaNode primary = cluster.awaitHealthy(Duration.ofSeconds(120)); // its checks are HTTPS requests
        HttpRequest plain = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + primary.apiPort + "/primary"))
                .timeout(Duration.ofSeconds(5)).build();
        assertThrows(IOException.class, () -> HaNode.HTTP.send(plain, HttpResponse.BodyHandlers.ofString()),
                "plain HTTP gets no answer");

        Proc list = primary.pgvault("ha", "list", "--output", "json");
        assertEquals(0, list.exitCode(), list.stderr());
        assertTrue(list.stdout().contains("\"api_url\":\"https://127.0.0.1:" + primary.apiPort + "\""), list.stdout());

        HaNode target = cluster.nodes.stream().filter(n -> n != primary).findFirst().orElseThrow();
        Proc switchover = primary.pgvault("ha", "switchover", "--to", target.name);
        assertEquals(0, switchover.exitCode(), switchover.stdout() + switchover.stderr() + "\n" + cluster.logs());
        assertTrue(switchover.stdout().contains("requested through the local agent"), switchover.stdout());
        assertEquals(target.name, cluster.awaitHealthy(Duration.ofSeconds(60)).name);
    }
}
