package dev.pgvault.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One HA node for the tests: its own configuration, an empty data directory, a PostgreSQL port and
 * an API port, and a real {@code pgvault ha run} agent process running as PostgreSQL's OS user
 * (setpriv execs, so the Process is the agent's JVM itself and kill -9 hits it, not a wrapper).
 */
final class HaNode implements AutoCloseable {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String name;
    final OsUser user;
    final Path base;
    final Path data;
    final Path config;
    final Path log;
    final int pgPort;
    final int apiPort;
    private final PgvaultDist dist;
    /** The REST API's scheme and a client for it: with TLS, one that trusts exactly the node's certificate. */
    private final String scheme;
    private final HttpClient http;
    private Process agent;

    private HaNode(String name, OsUser user, Path base, Path config, int pgPort, int apiPort, PgvaultDist dist,
            dev.pgvault.ha.tls.ApiTls tls) {
        this.name = name;
        this.user = user;
        this.base = base;
        this.data = base.resolve("data");
        this.config = config;
        this.log = base.resolve("agent.log");
        this.pgPort = pgPort;
        this.apiPort = apiPort;
        this.dist = dist;
        this.scheme = tls == null ? "http" : "https";
        try {
            this.http = tls == null ? HTTP : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
                    .sslContext(tls.pinnedClientContext()).build();
        } catch (dev.pgvault.ha.tls.TlsSetupException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An extra line with this prefix goes into the {@code archive:} section instead, without it. */
    static final String ARCHIVE = "archive.";

    /**
     * A node of cluster {@code cluster} on etcd {@code etcd}, archiving into the fs repository
     * {@code repo}; {@code haExtra} lines go into its {@code ha:} section ({@link #ARCHIVE} ones
     * into {@code archive:}).
     */
    static HaNode create(String name, String cluster, List<String> etcd, Path repo, Path tokenFile,
            String... haExtra) throws IOException {
        return create(name, cluster, cluster, etcd, repo, tokenFile, haExtra);
    }

    /** As above, with a stanza other than the cluster's name (a cluster rebuilt from another's backups). */
    static HaNode create(String name, String cluster, String stanza, List<String> etcd, Path repo, Path tokenFile,
            String... haExtra) throws IOException {
        return create(name, cluster, stanza, etcd, "repo:\n  type: fs\n  path: " + repo + "\n", tokenFile, haExtra);
    }

    /** As above, on the repository that {@code repoSection} (a configuration's whole {@code repo:} section) names. */
    static HaNode create(String name, String cluster, String stanza, List<String> etcd, String repoSection,
            Path tokenFile, String... haExtra) throws IOException {
        OsUser user = OsUser.forPostgres();
        Path base = user.newDirectory("pgvault-ha-" + name);
        Path data = base.resolve("data");
        Files.createDirectory(data);
        user.own(data);
        int pgPort = PgCluster.freePort();
        int apiPort = PgCluster.freePort();
        StringBuilder yaml = new StringBuilder()
                .append("stanza: ").append(stanza).append('\n')
                .append("process-max: 2\n")
                .append("pg:\n")
                .append("  data: ").append(data).append('\n')
                .append("  host: 127.0.0.1\n")
                .append("  port: ").append(pgPort).append('\n')
                .append("  user: postgres\n")
                .append("  bin: ").append(PgCluster.BIN).append('\n')
                .append("  parameters:\n")
                .append("    unix_socket_directories: ").append(base).append('\n')
                .append("    fsync: 'off'\n")
                .append("    shared_buffers: 32MB\n")
                .append("    max_connections: 30\n")
                .append("    wal_keep_size: 256MB\n");
        StringBuilder archive = new StringBuilder();
        // as the README advises for HA nodes: promotion and shutdown wait on archive calls
        if (Boolean.parseBoolean(System.getProperty("pgvault.ha.async", "true"))) {
            archive.append("  async: true\n  spool: ").append(base.resolve("spool")).append('\n');
        }
        for (String line : haExtra) {
            if (line.startsWith(ARCHIVE)) {
                archive.append("  ").append(line.substring(ARCHIVE.length())).append('\n');
            }
        }
        if (!archive.isEmpty()) {
            yaml.append("archive:\n").append(archive);
        }
        yaml.append(repoSection)
                .append("ha:\n")
                .append("  cluster: ").append(cluster).append('\n')
                .append("  name: ").append(name).append('\n')
                .append("  etcd: [").append(String.join(", ", etcd)).append("]\n")
                .append(java.util.Arrays.stream(haExtra).anyMatch(l -> l.startsWith("ttl:")) ? "" : "  ttl: 10\n")
                .append("  loop-wait: 1\n")
                .append("  api: 127.0.0.1:").append(apiPort).append('\n')
                .append("  api-token-file: ").append(tokenFile).append('\n');
        for (String line : haExtra) {
            if (!line.startsWith(ARCHIVE)) {
                yaml.append("  ").append(line).append('\n');
            }
        }
        Path config = base.resolve("pgvault.yaml");
        Files.writeString(config, yaml.toString());
        user.own(config);
        return new HaNode(name, user, base, config, pgPort, apiPort, PgvaultDist.get(), tlsOf(haExtra));
    }

    /** The certificate and key the {@code ha:} lines name, if they name them. */
    private static dev.pgvault.ha.tls.ApiTls tlsOf(String... haExtra) {
        Path cert = null;
        Path key = null;
        for (String line : haExtra) {
            if (line.startsWith("api-cert-file: ")) {
                cert = Path.of(line.substring("api-cert-file: ".length()));
            } else if (line.startsWith("api-key-file: ")) {
                key = Path.of(line.substring("api-key-file: ".length()));
            }
        }
        return cert == null ? null : new dev.pgvault.ha.tls.ApiTls(cert, key);
    }

    /** Starts the agent in the background, appending to {@link #log}. */
    /** Options added to {@code ha run} (such as {@code --log-format json}). */
    List<String> agentOptions = List.of();

    void startAgent() throws IOException {
        List<String> cmd = new ArrayList<>();
        if (user.switchUser()) {
            cmd.addAll(List.of("setpriv", "--reuid=" + user.name(), "--regid=" + user.name(), "--init-groups", "--"));
        }
        cmd.addAll(List.of(dist.launcher().toString(), "--config", config.toString(), "ha", "run"));
        cmd.addAll(agentOptions);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("HOME", base.toString());
        agent = pb.start();
    }

    boolean agentAlive() {
        return agent != null && agent.isAlive();
    }

    /** SIGKILL to the agent and to the postmaster: the node vanishes as in a power cut. */
    void killAgentAndPostgres() throws IOException, InterruptedException {
        if (agent != null) {
            agent.destroyForcibly();
            agent.waitFor(10, TimeUnit.SECONDS);
        }
        Path pid = data.resolve("postmaster.pid");
        if (Files.exists(pid)) {
            String first = Files.readAllLines(pid).get(0).strip();
            new ProcessBuilder("kill", "-9", first).start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** SIGKILL to the postmaster alone: its agent lives on (and should start it again). */
    void killPostgresOnly() throws IOException, InterruptedException {
        Path pid = data.resolve("postmaster.pid");
        if (Files.exists(pid)) {
            String first = Files.readAllLines(pid).get(0).strip();
            new ProcessBuilder("kill", "-9", first).start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A signal to the agent's JVM alone ("STOP" freezes it, "CONT" thaws it). */
    void signalAgent(String signal) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + signal, Long.toString(agent.pid())).start().waitFor(10, TimeUnit.SECONDS);
    }

    /** The fence's log beside the data directory; empty when there is none. */
    String fenceLog() throws IOException {
        Path f = data.resolveSibling("data.fence").resolve("fence.log");
        return Files.exists(f) ? Files.readString(f) : "";
    }

    /** SIGKILL to the agent alone: its PostgreSQL keeps running. */
    void killAgentOnly() throws InterruptedException {
        agent.destroyForcibly();
        agent.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM to the agent, as systemd stops it; waits for it to exit. */
    void stopAgent() throws InterruptedException {
        if (agent != null && agent.isAlive()) {
            agent.destroy();
            if (!agent.waitFor(60, TimeUnit.SECONDS)) {
                agent.destroyForcibly();
            }
        }
    }

    int agentExitCode() {
        return agent.exitValue();
    }

    Connection connect() throws SQLException {
        return connect(10);
    }

    /** A connection whose statements give up after {@code socketTimeoutSeconds} (0: never). */
    Connection connect(int socketTimeoutSeconds) throws SQLException {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", "postgres");
        p.setProperty("connectTimeout", "2");
        p.setProperty("socketTimeout", Integer.toString(socketTimeoutSeconds));
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres", p);
    }

    /** Runs SQL and returns the first column of the first row as text, or null. */
    String query(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            if (!s.execute(sql)) {
                return null;
            }
            var rs = s.getResultSet();
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** Status code of a GET on this node's REST API (0 when it does not answer). */
    int get(String path) {
        return api("GET", path, null, null).statusCode;
    }

    record Answer(int statusCode, String body) {}

    Answer api(String method, String path, String body, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + apiPort + path))
                .timeout(Duration.ofSeconds(5))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body());
        } catch (IOException e) {
            return new Answer(0, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(0, e.toString());
        }
    }

    /** pgvault with this node's configuration, as PostgreSQL's OS user. */
    Proc pgvault(String... args) {
        return dist.run(user, config, args);
    }

    /** The tail of this node's PostgreSQL server log (beside the data directory). */
    String serverLogTail(int lines) {
        try {
            List<String> all = Files.readAllLines(data.resolveSibling("data.log"), StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no server log: " + e + ")";
        }
    }

    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws Exception {
        if (agent != null && agent.isAlive()) {
            agent.destroyForcibly();
            agent.waitFor(10, TimeUnit.SECONDS);
        }
        Proc.run(user, List.of(PgCluster.BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate",
                "stop"), java.util.Map.of(), 30);
        PgvaultDist.deleteTree(base);
    }
}
