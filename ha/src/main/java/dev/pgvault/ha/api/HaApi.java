package dev.pgvault.ha.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.NodeState;
import dev.pgvault.ha.dcs.Dcs;
import dev.pgvault.ha.tls.TlsSetupException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's REST API. Health checks ({@code /primary}, {@code /replica}, {@code /health}, and
 * Patroni's {@code /leader}, {@code /read-only}, {@code /readiness}, {@code /liveness}) answer
 * 200 or 503 from the agent's latest cycle and never touch etcd or PostgreSQL, so a load balancer
 * polling them cannot slow the agent down; {@code /cluster} and {@code /metrics} are for people and
 * monitoring; {@code POST /switchover} and {@code POST /reinit} record an operator's request in etcd,
 * and {@code POST /pause} and {@code POST /resume} turn maintenance mode on and off.
 * With {@code ha.api-cert-file} it speaks HTTPS only. Listening starts in the constructor.
 */
public final class HaApi implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HaApi.class);

    /** HAProxy's {@code option httpchk} sends {@code OPTIONS /} unless told otherwise; HEAD is the cheap check. */
    private static final Set<String> READ_METHODS = Set.of("GET", "HEAD", "OPTIONS");

    private final HaSettings settings;
    private final Supplier<String> moreMetrics;
    private final Supplier<NodeState> state;
    private final Clock clock;
    private final ControlRequests control;
    private final ExecutorService executor;
    private final HttpServer server;

    public HaApi(HaSettings settings, Supplier<NodeState> state, Dcs dcs, Clock clock)
            throws IOException, TlsSetupException {
        this(settings, state, dcs, clock, () -> "");
    }

    /**
     * @param moreMetrics exposition text appended to this node's gauges on {@code /metrics} (the
     *     stanza's backup and archiving metrics); it must answer at once, from memory, since the
     *     same two threads answer the load balancers' health checks
     */
    public HaApi(HaSettings settings, Supplier<NodeState> state, Dcs dcs, Clock clock, Supplier<String> moreMetrics)
            throws IOException, TlsSetupException {
        this.moreMetrics = moreMetrics;
        this.settings = settings;
        this.state = state;
        this.clock = clock;
        this.control = new ControlRequests(settings.apiToken(), dcs, clock);
        this.executor = Executors.newFixedThreadPool(2, daemonThreads());
        InetSocketAddress at = new InetSocketAddress(settings.apiHost(), settings.apiPort());
        if (settings.apiTls() == null) {
            this.server = HttpServer.create(at, 16);
        } else {
            HttpsServer https = HttpsServer.create(at, 16);
            https.setHttpsConfigurator(new HttpsConfigurator(settings.apiTls().serverContext()));
            this.server = https;
        }
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** Where it listens; with port 0 in the settings, the port the system chose. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Reply reply;
            try {
                reply = route(exchange);
            } catch (RuntimeException e) {
                log.warn("REST API {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e);
                reply = Reply.error(500, "internal error: " + e.getClass().getSimpleName());
            }
            send(exchange, reply);
        }
    }

    private Reply route(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        switch (path) {
            case "/", "/primary", "/replica", "/health", "/leader", "/read-only", "/readiness", "/liveness", "/cluster",
                    "/metrics" -> {
                if (!READ_METHODS.contains(method)) {
                    return notAllowed(exchange, "GET, HEAD, OPTIONS");
                }
                return read(path);
            }
            case "/pause", "/resume" -> {
                if (!method.equals("POST")) {
                    return notAllowed(exchange, "POST");
                }
                return control.maintenance(exchange.getRequestHeaders().getFirst("Authorization"), path.equals("/pause"));
            }
            case "/switchover", "/reinit", "/restart" -> {
                if (!method.equals("POST")) {
                    return notAllowed(exchange, "POST");
                }
                String authorization = exchange.getRequestHeaders().getFirst("Authorization");
                return switch (path) {
                    case "/switchover" -> control.switchover(authorization, exchange.getRequestBody());
                    case "/reinit" -> control.reinit(authorization, exchange.getRequestBody());
                    default -> control.restart(authorization, exchange.getRequestBody());
                };
            }
            default -> {
                return Reply.error(404, "no such endpoint: " + path);
            }
        }
    }

    private Reply read(String path) {
        NodeState node = state.get();
        return switch (path) {
            // "/" is the primary check, as in Patroni: a bare "option httpchk" then routes writes correctly.
            case "/", "/primary" -> check(node, n -> n.writablePrimary(clock.instant()));
            case "/replica" -> check(node, n -> n.pg().runningReplica() && n.pg().streaming());
            case "/health" -> check(node, n -> n.pg().running());
            // holds the leader key, whatever PostgreSQL is doing (Patroni's /leader)
            case "/leader" -> check(node, NodeState::leader);
            // serves reads: the writable primary or a streaming replica
            case "/read-only" -> check(node, n -> n.writablePrimary(clock.instant()) || n.pg().runningReplica() && n.pg().streaming());
            // may take traffic (a Kubernetes readiness probe): the writable primary, or a running replica
            case "/readiness" -> check(node, n -> n.writablePrimary(clock.instant()) || !n.leader() && n.pg().runningReplica());
            // the agent's loop runs (a liveness probe): its last cycle ended within a ttl (two on a
            // replica), or the standard lease's minimum on a short lease
            case "/liveness" -> check(node, n -> clock.instant().isBefore(n.at().plus(settings.livenessWindow()
                    .multipliedBy(n.leader() ? 1 : 2))));
            case "/cluster" -> cluster(node);
            case "/metrics" -> new Reply(200, PrometheusText.CONTENT_TYPE,
                    (PrometheusText.render(settings.name(), node, clock.instant()) + moreMetrics.get())
                            .getBytes(StandardCharsets.UTF_8));
            default -> throw new IllegalArgumentException(path);
        };
    }

    private Reply check(NodeState node, Predicate<NodeState> healthy) {
        if (node == null) {
            return noCycleYet();
        }
        return Reply.json(healthy.test(node) ? 200 : 503, NodeJson.write(node));
    }

    private Reply cluster(NodeState node) {
        if (node == null) {
            return noCycleYet();
        }
        if (node.cluster() == null) {
            return Reply.error(503, "this node could not read etcd in its last cycle: no cluster view");
        }
        return Reply.json(200, ClusterJson.write(settings.cluster(), node.cluster()).getBytes(StandardCharsets.UTF_8));
    }

    private Reply noCycleYet() {
        return Reply.json(503, NodeJson.object("name", settings.name(), "error", "the agent has not completed a cycle yet"));
    }

    private static Reply notAllowed(HttpExchange exchange, String allow) {
        exchange.getResponseHeaders().set("Allow", allow);
        return Reply.error(405, exchange.getRequestMethod() + " is not allowed here; allowed: " + allow);
    }

    private static void send(HttpExchange exchange, Reply reply) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", reply.contentType());
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(reply.status(), -1); // a HEAD answer has headers only
            return;
        }
        exchange.sendResponseHeaders(reply.status(), reply.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(reply.body());
        }
    }

    private static java.util.concurrent.ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "pgvault-ha-api-" + n.incrementAndGet());
            t.setDaemon(true); // never what keeps the process alive after the agent stops
            return t;
        };
    }
}
