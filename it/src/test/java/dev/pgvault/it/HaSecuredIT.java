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
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A two-node cluster configured as a careful operator would, on real agents, etcd and PostgreSQL:
 * the REST API over TLS with a certificate made by openssl, and etcd over TLS asking for client
 * certificates signed by its own authority, with authentication on and a user that may touch
 * /pgvault/ only. Health checks answer over HTTPS only, members publish
 * https:// addresses, {@code ha switchover} still goes through the node's own agent (trusting
 * exactly the certificate its configuration names), and the etcd password appears in no log and
 * no process's arguments.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HaSecuredIT {
    private static final String ETCD_PASSWORD = "etcd-pa55-" + System.nanoTime();

    EtcdCluster etcd;
    HaCluster cluster;
    ApiTls apiTls;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found");
        OsUser user = OsUser.forPostgres();
        Path dir = user.newDirectory("pgvault-ha-tls");
        ApiTls tls = TestCertificates.make(dir, "node");
        apiTls = tls;
        user.own(tls.certFile());
        user.own(tls.keyFile());
        Path password = dir.resolve("etcd-password");
        java.nio.file.Files.writeString(password, ETCD_PASSWORD + "\n");
        java.nio.file.Files.setPosixFilePermissions(password, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        user.own(password);
        etcd = EtcdCluster.startWithTls(1);
        etcd.enableAuth("pgvault-agent", ETCD_PASSWORD);
        Path etcdCa = copyOwned(user, etcd.tls().ca().certFile(), dir.resolve("etcd-ca.crt"));
        Path etcdCert = copyOwned(user, etcd.tls().client().certFile(), dir.resolve("etcd-client.crt"));
        Path etcdKey = copyOwned(user, etcd.tls().client().keyFile(), dir.resolve("etcd-client.key"));
        cluster = HaCluster.create("ittls", etcd.clientUrls(), 2, "api-cert-file: " + tls.certFile(),
                "api-key-file: " + tls.keyFile(), "etcd-user: pgvault-agent", "etcd-password-file: " + password,
                "etcd-ca-file: " + etcdCa, "etcd-cert-file: " + etcdCert, "etcd-key-file: " + etcdKey);
        for (HaNode n : cluster.nodes) {
            n.agentOptions = List.of("--log-format", "json"); // as a log shipper would read them
        }
        cluster.startAll();
    }

    /** A copy the agents' OS user owns (mode kept): etcd's own files live in a directory only root may enter. */
    private static Path copyOwned(OsUser user, Path from, Path to) throws IOException {
        java.nio.file.Files.copy(from, to, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        user.own(to);
        return to;
    }

    /**
     * The PostgreSQL port a session through {@code port} reaches, once one does that is (or is
     * not) in recovery as asked, within 20 s: HAProxy marks a server up after one good check.
     */
    private static int proxiedPort(HaProxy proxy, int port, boolean inRecovery) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        String last = "no session";
        while (System.nanoTime() < deadline) {
            try (java.sql.Connection c = proxy.connect(port); java.sql.Statement st = c.createStatement();
                    java.sql.ResultSet r = st.executeQuery("SELECT pg_is_in_recovery(), inet_server_port()")) {
                r.next();
                if (r.getBoolean(1) == inRecovery) {
                    return r.getInt(2);
                }
                last = "reached a server with pg_is_in_recovery() " + r.getBoolean(1);
            } catch (java.sql.SQLException e) {
                last = e.getMessage();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("nothing through HAProxy port " + port + " within 20 s: " + last);
    }

    @AfterAll
    void stop() throws Exception {
        HaCluster.closeWithEtcd(cluster, etcd);
    }

    @Test
    void healthChecksAnswerOverHttpsOnlyAndSwitchoverGoesThroughTheLocalAgent() throws Exception {
        HaNode primary = cluster.awaitHealthy(Duration.ofSeconds(120)); // its checks are HTTPS requests
        HttpRequest plain = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + primary.apiPort + "/primary"))
                .timeout(Duration.ofSeconds(5)).build();
        assertThrows(IOException.class, () -> HaNode.HTTP.send(plain, HttpResponse.BodyHandlers.ofString()),
                "plain HTTP gets no answer");

        Proc list = primary.pgvault("ha", "list", "--output", "json"); // the CLI, too, over etcd's TLS
        assertEquals(0, list.exitCode(), list.stderr());
        assertTrue(list.stdout().contains("\"api_url\":\"https://127.0.0.1:" + primary.apiPort + "\""), list.stdout());
        assertTrue(etcd.clientUrl(0).startsWith("https://"), etcd.clientUrl(0));

        // Debian's HAProxy with contrib/haproxy.cfg's HTTPS check lines, verifying the agents' certificate
        try (HaProxy proxy = HaProxy.start(cluster.nodes, cluster.work, apiTls.certFile())) {
            assertEquals(primary.pgPort, proxiedPort(proxy, proxy.primaryPort, false), "the primary port reaches the primary");
            HaNode replica = cluster.nodes.stream().filter(n -> n != primary).findFirst().orElseThrow();
            assertEquals(replica.pgPort, proxiedPort(proxy, proxy.replicaPort, true), "the replica port reaches the replica");

            Proc viaProxy = primary.pgvault("ha", "switchover", "--to", replica.name);
            assertEquals(0, viaProxy.exitCode(), viaProxy.stdout() + viaProxy.stderr() + "\n" + cluster.logs());
            assertEquals(replica.name, cluster.awaitHealthy(Duration.ofSeconds(60)).name);
            assertEquals(replica.pgPort, proxiedPort(proxy, proxy.primaryPort, false),
                    "after a switchover the primary port reaches the new primary");
        }
        HaNode current = cluster.awaitHealthy(Duration.ofSeconds(60));
        HaNode target = cluster.nodes.stream().filter(n -> n != current).findFirst().orElseThrow();
        // run on the target itself this time: it waits on its own agent's /primary check
        Proc switchover = target.pgvault("ha", "switchover", "--to", target.name);
        assertEquals(0, switchover.exitCode(), switchover.stdout() + switchover.stderr() + "\n" + cluster.logs());
        assertTrue(switchover.stdout().contains("requested through the local agent"), switchover.stdout());
        assertTrue(switchover.stdout().contains(target.name + " is the primary ("), switchover.stdout());
        assertEquals("false", target.query("SELECT pg_is_in_recovery()::text"), target.name + " is writable when the command returns");
        assertEquals(target.name, cluster.awaitHealthy(Duration.ofSeconds(60)).name);

        for (HaNode n : cluster.nodes) {
            String log = n.logTail(1_000_000);
            assertTrue(!log.contains(ETCD_PASSWORD), "the etcd password is in " + n.name + "'s log");
            // --log-format json: every line of the agent is one object a log shipper can read
            List<String> agentLines = log.lines().filter(l -> l.startsWith("{\"time\":")).toList();
            assertTrue(agentLines.size() > 10 && agentLines.stream().allMatch(l -> l.matches(
                    "\\{\"time\":\"20[0-9-]+T[0-9:.]+Z\",\"member\":\"" + n.name + "\",\"cluster\":\"ittls\",\"message\":\".+\"}")),
                    log);
            assertTrue(agentLines.get(0).contains("\"message\":\"agent for cluster 'ittls'"), agentLines.get(0));
            assertTrue(log.lines().noneMatch(l -> l.matches("20[0-9-]+T[0-9:.]+Z " + n.name + " .*")), "no text line:\n" + log);
        }
        StringBuilder processes = new StringBuilder(); // every process's arguments, as ps would show them
        try (var proc = java.nio.file.Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) proc::iterator) {
                try {
                    processes.append(new String(java.nio.file.Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' '))
                            .append('\n');
                } catch (IOException | RuntimeException gone) {
                    // not a process, or it ended meanwhile
                }
            }
        }
        assertTrue(processes.toString().contains("ha run") && !processes.toString().contains(ETCD_PASSWORD),
                "the agents run and no process's arguments hold the etcd password");
    }
}
