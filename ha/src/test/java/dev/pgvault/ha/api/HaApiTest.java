package dev.pgvault.ha.api;

import static dev.pgvault.ha.api.ThreeNodes.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.NodeState;
import dev.pgvault.ha.ReplicaMethod;
import dev.pgvault.ha.cluster.Switchover;
import dev.pgvault.ha.tls.ApiTls;
import dev.pgvault.ha.tls.TestCertificates;
import dev.pgvault.ha.tls.TlsSetupException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API over real HTTP on a loopback port, with the agent's state and etcd replaced. */
class HaApiTest {
    private static final String TOKEN = "s3cret-token";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final AtomicReference<NodeState> state = new AtomicReference<>();
    private final InMemoryDcs dcs = new InMemoryDcs(ThreeNodes.cluster());
    private HaApi api;

    private HaApi start(String token) throws Exception {
        return start(token, null);
    }

    private HaApi start(String token, ApiTls tls) throws Exception {
        HaSettings settings = new HaSettings("demo", "n1", List.of(URI.create("http://127.0.0.1:2379")),
                Duration.ofSeconds(30), Duration.ofSeconds(10), "127.0.0.1", 0, "10.0.0.1", 5432, 1 << 20, false,
                List.of(ReplicaMethod.BASEBACKUP), dev.pgvault.ha.Bootstrap.INITDB, token,
                dev.pgvault.ha.cluster.Tags.NONE, tls, true, null, false, null, null);
        api = new HaApi(settings, state::get, dcs, Clock.fixed(NOW, ZoneOffset.UTC));
        return api;
    }

    @AfterEach
    void stop() {
        if (api != null) {
            api.close();
        }
    }

    private HttpResponse<String> send(String method, String path, String body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.address().getPort() + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send("GET", path, null);
    }

    @Nested
    class HealthChecks {
        @Test
        void theLeaderWithALiveLeaseIsPrimaryAndNotReplica() throws Exception {
            start(null);
            state.set(ThreeNodes.leaderNode(NOW.plusSeconds(5)));
            HttpResponse<String> primary = get("/primary");
            assertEquals(200, primary.statusCode());
            assertEquals("{\"name\":\"n1\",\"role\":\"primary\",\"state\":\"running\",\"timeline\":2,"
                    + "\"lsn\":\"0/3000148\",\"leader\":true,\"decision\":\"LEAD: primary on timeline 2\"}",
                    primary.body());
            assertEquals("application/json", primary.headers().firstValue("Content-Type").orElseThrow());
            assertEquals(200, get("/").statusCode());
            assertEquals(503, get("/replica").statusCode());
            assertEquals(200, get("/health").statusCode());
        }

        @Test
        void aLeaderWhoseLeaseMayHaveExpiredIsNotPrimary() throws Exception {
            start(null);
            state.set(ThreeNodes.leaderNode(NOW));
            HttpResponse<String> primary = get("/primary");
            assertEquals(503, primary.statusCode());
            assertTrue(primary.body().contains("\"leader\":true"), primary.body());
            assertEquals(200, get("/health").statusCode());
        }

        @Test
        void aStreamingReplicaIsReplicaOnlyWhileStreaming() throws Exception {
            start(null);
            state.set(ThreeNodes.replicaNode(true));
            assertEquals(200, get("/replica").statusCode());
            assertEquals(503, get("/primary").statusCode());
            state.set(ThreeNodes.replicaNode(false));
            assertEquals(503, get("/replica").statusCode());
            assertEquals(200, get("/health").statusCode());
        }

        @Test
        void aStoppedNodeFailsEveryCheckAndSaysWhatItIs() throws Exception {
            start(null);
            state.set(ThreeNodes.stoppedNode(null));
            HttpResponse<String> health = get("/health");
            assertEquals(503, health.statusCode());
            assertEquals("{\"name\":\"n3\",\"role\":\"stopped\",\"state\":\"stopped\",\"timeline\":1,"
                    + "\"lsn\":\"0/2000000\",\"leader\":false,\"decision\":\"WAIT: etcd unreachable\"}", health.body());
            assertEquals(503, get("/primary").statusCode());
            assertEquals(503, get("/replica").statusCode());
        }

        @Test
        void beforeTheFirstCycleEverythingIsUnavailable() throws Exception {
            start(null);
            HttpResponse<String> health = get("/health");
            assertEquals(503, health.statusCode());
            assertEquals("{\"name\":\"n1\",\"error\":\"the agent has not completed a cycle yet\"}", health.body());
            assertEquals(503, get("/primary").statusCode());
            assertEquals(503, get("/cluster").statusCode());
            assertEquals(200, get("/metrics").statusCode());
        }

        @Test
        void patronisChecksAnswerForEachRole() throws Exception {
            start(null);
            state.set(ThreeNodes.leaderNode(NOW.plusSeconds(5)));
            assertEquals(List.of(200, 200, 200, 200), codes("/leader", "/read-only", "/readiness", "/liveness"));
            state.set(ThreeNodes.leaderNode(NOW)); // its lease may have expired: it still holds the key
            assertEquals(List.of(200, 503, 503, 200), codes("/leader", "/read-only", "/readiness", "/liveness"));
            state.set(ThreeNodes.replicaNode(true));
            assertEquals(List.of(503, 200, 200, 200), codes("/leader", "/read-only", "/readiness", "/liveness"));
            state.set(ThreeNodes.replicaNode(false)); // running, not streaming: ready, but not for reads
            assertEquals(List.of(503, 503, 200, 200), codes("/leader", "/read-only", "/readiness", "/liveness"));
            state.set(ThreeNodes.stoppedNode(null));
            assertEquals(List.of(503, 503, 503, 200), codes("/leader", "/read-only", "/readiness", "/liveness"));
        }

        @Test
        void livenessFailsOnceTheLoopHasNotCycledForATtl() throws Exception {
            start(null); // ttl 30 s
            NodeState leader = ThreeNodes.leaderNode(NOW.plusSeconds(5));
            state.set(withCycleEnd(leader, NOW.minusSeconds(29)));
            assertEquals(200, get("/liveness").statusCode());
            state.set(withCycleEnd(leader, NOW.minusSeconds(31)));
            assertEquals(503, get("/liveness").statusCode());
            NodeState replica = ThreeNodes.replicaNode(true);
            state.set(withCycleEnd(replica, NOW.minusSeconds(59)));
            assertEquals(200, get("/liveness").statusCode(), "a replica gets two ttls");
            state.set(withCycleEnd(replica, NOW.minusSeconds(61)));
            assertEquals(503, get("/liveness").statusCode());
        }

        private NodeState withCycleEnd(NodeState n, java.time.Instant at) {
            return new NodeState(n.name(), n.leader(), n.leaseValidUntil(), n.pg(), n.cluster(), n.decision(), at);
        }

        private List<Integer> codes(String... paths) throws Exception {
            List<Integer> out = new java.util.ArrayList<>();
            for (String p : paths) {
                out.add(get(p).statusCode());
            }
            return out;
        }

        @Test
        void headAndOptionsAnswerLikeGet() throws Exception {
            start(null);
            state.set(ThreeNodes.replicaNode(true));
            HttpResponse<String> head = send("HEAD", "/replica", null);
            assertEquals(200, head.statusCode());
            assertEquals("", head.body());
            assertEquals(503, send("HEAD", "/primary", null).statusCode());
            assertEquals(200, send("OPTIONS", "/replica", null).statusCode());
            assertEquals(503, send("OPTIONS", "/primary", null).statusCode());
        }

        /** What HAProxy's bare {@code option httpchk} sends: HTTP/1.0, no Host header. */
        @Test
        void haproxysDefaultCheckReachesThePrimaryCheck() throws Exception {
            start(null);
            state.set(ThreeNodes.leaderNode(NOW.plusSeconds(5)));
            try (Socket s = new Socket("127.0.0.1", api.address().getPort())) {
                s.setSoTimeout(5000);
                OutputStream out = s.getOutputStream();
                out.write("OPTIONS / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
                assertTrue(answer.startsWith("HTTP/1.1 200 "), answer);
            }
        }
    }

    @Nested
    class ClusterAndMetrics {
        @Test
        void clusterIsTheSharedDocument() throws Exception {
            start(null);
            state.set(ThreeNodes.leaderNode(NOW.plusSeconds(5)));
            HttpResponse<String> r = get("/cluster");
            assertEquals(200, r.statusCode());
            assertEquals(ClusterJson.write("demo", ThreeNodes.cluster()), r.body());
        }

        @Test
        void withoutAClusterViewClusterIsAnError() throws Exception {
            start(null);
            state.set(ThreeNodes.stoppedNode(null));
            HttpResponse<String> r = get("/cluster");
            assertEquals(503, r.statusCode());
            assertEquals("{\"error\":\"this node could not read etcd in its last cycle: no cluster view\"}", r.body());
        }

        @Test
        void metricsAreTheTextFormat() throws Exception {
            start(null);
            state.set(ThreeNodes.leaderNode(NOW.plusSeconds(5)));
            HttpResponse<String> r = get("/metrics");
            assertEquals(200, r.statusCode());
            assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type").orElseThrow());
            assertEquals(PrometheusText.render("n1", state.get(), NOW), r.body());
        }
    }

    @Nested
    class Routing {
        @Test
        void unknownPathsAre404AndWrongMethods405() throws Exception {
            start(TOKEN);
            state.set(ThreeNodes.leaderNode(NOW.plusSeconds(5)));
            assertEquals(404, get("/leader/x").statusCode());
            assertEquals(404, get("/primaryx").statusCode());
            HttpResponse<String> post = send("POST", "/primary", "{}");
            assertEquals(405, post.statusCode());
            assertEquals("GET, HEAD, OPTIONS", post.headers().firstValue("Allow").orElseThrow());
            HttpResponse<String> getSwitchover = get("/switchover");
            assertEquals(405, getSwitchover.statusCode());
            assertEquals("POST", getSwitchover.headers().firstValue("Allow").orElseThrow());
            assertEquals(405, send("DELETE", "/reinit", null).statusCode());
        }
    }

    @Nested
    class Tls {
        @TempDir
        Path dir;

        private HttpResponse<String> overTls(ApiTls trusted, String method, String path, String body, String... headers)
                throws Exception {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                    .sslContext(trusted.pinnedClientContext()).build();
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + api.address().getPort() + path))
                    .timeout(Duration.ofSeconds(10)).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body));
            if (headers.length > 0) {
                b.headers(headers);
            }
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }

        @Test
        void withACertificateTheApiAnswersOverHttpsOnlyToAClientThatTrustsIt() throws Exception {
            ApiTls tls = TestCertificates.make(dir, "n1");
            start(TOKEN, tls);
            state.set(ThreeNodes.leaderNode(NOW.plusSeconds(5)));
            assertEquals(200, overTls(tls, "GET", "/primary", null).statusCode());
            HttpResponse<String> restart = overTls(tls, "POST", "/restart", "{\"member\":\"n2\"}",
                    "Authorization", "Bearer " + TOKEN);
            assertEquals(202, restart.statusCode(), restart.body());
            assertEquals(Set.of("n2"), dcs.restart);
            assertThrows(IOException.class, () -> get("/primary"), "plain HTTP is not answered");
            ApiTls other = TestCertificates.make(dir, "impostor");
            assertThrows(javax.net.ssl.SSLHandshakeException.class, () -> overTls(other, "GET", "/primary", null),
                    "a client pinned to another certificate refuses this server");
        }

        @Test
        void aKeyThatIsNotTheCertificatesStopsTheApiFromStarting() throws Exception {
            ApiTls one = TestCertificates.make(dir, "one");
            ApiTls two = TestCertificates.make(dir, "two");
            TlsSetupException e = assertThrows(TlsSetupException.class,
                    () -> start(TOKEN, new ApiTls(one.certFile(), two.keyFile())));
            assertTrue(e.getMessage().contains("is not the key of the certificate"), e.getMessage());
        }
    }

    @Nested
    class Mutations {
        private HttpResponse<String> post(String path, String body, String token) throws Exception {
            return token == null ? send("POST", path, body, "Content-Type", "application/json")
                    : send("POST", path, body, "Content-Type", "application/json", "Authorization", "Bearer " + token);
        }

        @Test
        void switchoverIsWrittenToEtcd() throws Exception {
            start(TOKEN);
            HttpResponse<String> r = post("/switchover", "{\"to\": \"n2\"}", TOKEN);
            assertEquals(202, r.statusCode(), r.body());
            assertEquals("{\"accepted\":\"switchover\",\"from\":\"n1\",\"to\":\"n2\","
                    + "\"requested\":\"2026-11-26T10:00:00Z\"}", r.body());
            assertEquals(new Switchover("n1", "n2", NOW), dcs.switchover);
        }

        @Test
        void aSwitchoverToAReplicaThatDoesNotStreamIsAConflict() throws Exception {
            start(TOKEN);
            HttpResponse<String> r = post("/switchover", "{\"to\": \"n3\"}", TOKEN);
            assertEquals(409, r.statusCode(), r.body());
            assertEquals("{\"error\":\"member n3 is not a streaming replica\"}", r.body());
            assertNull(dcs.switchover);
        }

        @Test
        void reinitIsWrittenToEtcd() throws Exception {
            start(TOKEN);
            HttpResponse<String> r = post("/reinit", "{\"member\":\"n3\",\"extra\":[1,{\"a\":2}]}", TOKEN);
            assertEquals(202, r.statusCode(), r.body());
            assertEquals("{\"accepted\":\"reinit\",\"member\":\"n3\"}", r.body());
            assertEquals(Set.of("n3"), dcs.reinit);
        }

        @Test
        void restartIsWrittenToEtcdForARunningMemberTheLeaderIncludedAndRefusedWithoutTheToken() throws Exception {
            start(TOKEN);
            assertEquals(401, post("/restart", "{\"member\":\"n1\"}", "wrong").statusCode());
            assertEquals(405, get("/restart").statusCode());
            assertTrue(dcs.restart.isEmpty());
            HttpResponse<String> r = post("/restart", "{\"member\":\"n1\"}", TOKEN);
            assertEquals(202, r.statusCode(), r.body());
            assertEquals("{\"accepted\":\"restart\",\"member\":\"n1\"}", r.body());
            assertEquals(Set.of("n1"), dcs.restart);
            assertEquals(400, post("/restart", "{\"member\":\"n9\"}", TOKEN).statusCode());
            dcs.members.put("n3", new dev.pgvault.ha.cluster.Member("n3", "http://10.0.0.3:8008", "10.0.0.3", 5433,
                    dev.pgvault.ha.cluster.Role.REPLICA, "stopped", 1, 0, false, NOW));
            HttpResponse<String> stopped = post("/restart", "{\"member\":\"n3\"}", TOKEN);
            assertEquals(409, stopped.statusCode(), stopped.body());
            assertEquals("{\"error\":\"member n3 is stopped, not running: nothing to restart\"}", stopped.body());
            assertEquals(Set.of("n1"), dcs.restart);
        }

        @Test
        void pauseAndResumeTurnMaintenanceModeOnAndOffWithTheTokenOnly() throws Exception {
            start(TOKEN);
            assertEquals(401, post("/pause", "", "wrong").statusCode());
            assertNull(dcs.pausedSince);
            HttpResponse<String> on = post("/pause", "", TOKEN);
            assertEquals(200, on.statusCode(), on.body());
            assertEquals("{\"maintenance\":\"on\"}", on.body());
            assertEquals(NOW, dcs.pausedSince);
            assertEquals(405, get("/pause").statusCode());
            HttpResponse<String> off = post("/resume", "", TOKEN);
            assertEquals(200, off.statusCode(), off.body());
            assertNull(dcs.pausedSince);
        }

        @Test
        void reinitOfTheLeaderIsRefused() throws Exception {
            start(TOKEN);
            String leader = dcs.leader.name();
            HttpResponse<String> r = post("/reinit", "{\"member\":\"" + leader + "\"}", TOKEN);
            assertEquals(409, r.statusCode(), r.body());
            assertTrue(r.body().contains("is the leader"), r.body());
            assertTrue(dcs.reinit.isEmpty());
        }

        @Test
        void withoutAConfiguredTokenMutationsAreForbidden() throws Exception {
            start(null);
            HttpResponse<String> r = post("/switchover", "{\"to\":\"n2\"}", "anything");
            assertEquals(403, r.statusCode());
            assertEquals("{\"error\":\"mutating calls are disabled: this node has no api-token-file configured\"}",
                    r.body());
            assertEquals(403, post("/reinit", "{\"member\":\"n3\"}", null).statusCode());
            assertNull(dcs.switchover);
            assertTrue(dcs.reinit.isEmpty());
        }

        @Test
        void aMissingOrWrongTokenIsUnauthorizedAndNeverEchoed() throws Exception {
            start(TOKEN);
            HttpResponse<String> missing = post("/switchover", "{\"to\":\"n2\"}", null);
            assertEquals(401, missing.statusCode());
            HttpResponse<String> wrong = post("/switchover", "{\"to\":\"n2\"}", "s3cret-tokem");
            assertEquals(401, wrong.statusCode());
            assertFalse(wrong.body().contains("s3cret"), wrong.body());
            assertEquals(401, post("/reinit", "{\"member\":\"n3\"}", TOKEN + "x").statusCode());
            assertEquals(401, send("POST", "/reinit", "{\"member\":\"n3\"}", "Authorization", TOKEN).statusCode());
            assertNull(dcs.switchover);
            assertTrue(dcs.reinit.isEmpty());
        }

        @Test
        void aSwitchoverToAMemberTaggedNofailoverIsAConflict() throws Exception {
            start(TOKEN);
            dev.pgvault.ha.cluster.Member n2 = dcs.members.get("n2");
            dcs.members.put("n2", new dev.pgvault.ha.cluster.Member(n2.name(), n2.apiUrl(), n2.host(), n2.port(), n2.role(),
                    n2.state(), n2.timeline(), n2.lsn(), n2.streaming(), n2.updated(), new dev.pgvault.ha.cluster.Tags(true, false)));
            HttpResponse<String> r = post("/switchover", "{\"to\":\"n2\"}", TOKEN);
            assertEquals(409, r.statusCode());
            assertEquals("{\"error\":\"member n2 is tagged nofailover and never becomes the primary\"}", r.body());
            assertNull(dcs.switchover);
        }

        @Test
        void aTargetThatIsNoMemberIsABadRequestNamingIt() throws Exception {
            start(TOKEN);
            HttpResponse<String> r = post("/switchover", "{\"to\":\"n7\"}", TOKEN);
            assertEquals(400, r.statusCode());
            assertEquals("{\"error\":\"no member named n7 in the cluster\"}", r.body());
            HttpResponse<String> reinit = post("/reinit", "{\"member\":\"n8\"}", TOKEN);
            assertEquals(400, reinit.statusCode());
            assertTrue(reinit.body().contains("n8"), reinit.body());
            assertEquals(400, post("/switchover", "{\"to\":\"n1\"}", TOKEN).statusCode());
            assertNull(dcs.switchover);
        }

        @Test
        void malformedBodiesAreBadRequests() throws Exception {
            start(TOKEN);
            assertEquals(400, post("/switchover", "", TOKEN).statusCode());
            assertEquals(400, post("/switchover", "[\"n2\"]", TOKEN).statusCode());
            assertEquals(400, post("/switchover", "{\"to\":", TOKEN).statusCode());
            assertEquals(400, post("/switchover", "{\"to\":2}", TOKEN).statusCode());
            assertEquals(400, post("/switchover", "{\"member\":\"n2\"}", TOKEN).statusCode());
            assertEquals(413, post("/reinit", "{\"member\":\"" + "n".repeat(5000) + "\"}", TOKEN).statusCode());
        }

        @Test
        void switchoverWithoutALeaderIsAConflict() throws Exception {
            start(TOKEN);
            dcs.leader = null;
            HttpResponse<String> r = post("/switchover", "{\"to\":\"n2\"}", TOKEN);
            assertEquals(409, r.statusCode());
            assertTrue(r.body().contains("use failover"), r.body());
            assertNull(dcs.switchover);
        }

        @Test
        void anUnreachableEtcdIsUnavailable() throws Exception {
            start(TOKEN);
            dcs.down = true;
            HttpResponse<String> r = post("/reinit", "{\"member\":\"n3\"}", TOKEN);
            assertEquals(503, r.statusCode());
            assertTrue(r.body().contains("UNAVAILABLE"), r.body());
        }
    }
}
