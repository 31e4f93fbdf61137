package dev.pgvault.it;

import dev.pgvault.ha.tls.ApiTls;
import dev.pgvault.ha.tls.TestCertificates;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real etcd cluster of 1 or 3 members on free loopback ports, each member a process with its
 * data directory and log file in one temporary directory. Members keep their ports and data
 * across {@link #stop}/{@link #kill} and {@link #restart}, so a restarted member rejoins as itself.
 * etcd is not PostgreSQL: it runs as whoever runs the tests, root included.
 */
final class EtcdCluster implements AutoCloseable {
    static final Path ETCD = Path.of(System.getProperty("etcd.bin", "/usr/bin/etcd"));
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    /**
     * The certificates of an etcd that speaks TLS to its clients and asks each of them for a
     * certificate signed by {@code ca} ({@code --client-cert-auth}): its members present
     * {@code server}, and {@code client} is one a client may present.
     */
    record Tls(ApiTls ca, ApiTls server, ApiTls client) {}

    /** {@code metricsPort}: plain-HTTP /health, for a member whose client port asks for a certificate. */
    private record MemberProcess(String name, int clientPort, int peerPort, int metricsPort, Path dataDir, Path log,
            boolean tls) {
        String clientUrl() {
            return (tls ? "https" : "http") + "://127.0.0.1:" + clientPort;
        }

        String healthUrl() {
            return tls ? "http://127.0.0.1:" + metricsPort + "/health" : clientUrl() + "/health";
        }

        String peerUrl() {
            return "http://127.0.0.1:" + peerPort;
        }
    }

    private final Path base;
    private final Tls tls;
    private final List<MemberProcess> members;
    private final String initialCluster;
    private final String token = "pgvault-it-" + UUID.randomUUID();
    private final Process[] processes;
    private final Thread reaper = new Thread(this::killAll, "etcd-cluster-reaper");

    private EtcdCluster(Path base, Tls tls, List<MemberProcess> members) {
        this.base = base;
        this.tls = tls;
        this.members = members;
        this.initialCluster = String.join(",", members.stream().map(m -> m.name() + "=" + m.peerUrl()).toList());
        this.processes = new Process[members.size()];
    }

    /**
     * Starts {@code size} members (1 or 3) and waits until every one reports healthy. Without etcd
     * installed this fails rather than skips: a test run that cannot reach etcd proved nothing.
     */
    static EtcdCluster start(int size) throws IOException {
        return start(size, false);
    }

    /**
     * As {@link #start(int)}, with https:// client URLs and client certificates required, from a
     * certificate authority of its own made by openssl ({@link #tls()}).
     */
    static EtcdCluster startWithTls(int size) throws IOException {
        return start(size, true);
    }

    private static EtcdCluster start(int size, boolean withTls) throws IOException {
        if (size != 1 && size != 3) {
            throw new IllegalArgumentException("an etcd test cluster has 1 or 3 members, not " + size);
        }
        requireInstalled(ETCD);
        Path base = Files.createTempDirectory("pgvault-etcd");
        Tls tls = withTls ? certificates(base) : null;
        int[] ports = freePorts(3 * size);
        List<MemberProcess> members = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            members.add(new MemberProcess("m" + i, ports[3 * i], ports[3 * i + 1], ports[3 * i + 2],
                    base.resolve("m" + i), base.resolve("m" + i + ".log"), withTls));
        }
        EtcdCluster cluster = new EtcdCluster(base, tls, members);
        Runtime.getRuntime().addShutdownHook(cluster.reaper); // processes outlive a JVM that dies
        try {
            for (int i = 0; i < size; i++) {
                cluster.launch(i); // all at once: a 3-member cluster has no quorum until two run
            }
            for (int i = 0; i < size; i++) {
                cluster.awaitHealthy(i);
            }
        } catch (IOException | RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private static Tls certificates(Path base) throws IOException {
        Path dir = base.resolve("tls");
        Files.createDirectories(dir);
        try {
            ApiTls ca = TestCertificates.authority(dir, "etcd-ca");
            return new Tls(ca, TestCertificates.signed(dir, "etcd-server", ca), TestCertificates.signed(dir, "etcd-client", ca));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted making etcd's certificates", e);
        }
    }

    /** The certificates of a cluster started {@link #startWithTls}; null for plain HTTP. */
    Tls tls() {
        return tls;
    }

    static void requireInstalled(Path etcd) {
        if (!Files.isExecutable(etcd)) {
            throw new AssertionError("etcd not installed (no " + etcd + "): apt-get install -y etcd-server");
        }
    }

    List<String> clientUrls() {
        return members.stream().map(MemberProcess::clientUrl).toList();
    }

    String clientUrl(int i) {
        return members.get(i).clientUrl();
    }

    /** Stops member {@code i} with SIGTERM (a clean shutdown) and waits for it to exit. */
    void stop(int i) {
        end(i, false);
    }

    /** Kills member {@code i} with SIGKILL, as a crash or a pulled plug would. */
    void kill(int i) {
        end(i, true);
    }

    /** Starts member {@code i} again on its ports and data directory and waits until it is healthy. */
    void restart(int i) throws IOException {
        if (processes[i] != null && processes[i].isAlive()) {
            throw new IllegalStateException("etcd member " + i + " is still running");
        }
        launch(i);
        awaitHealthy(i);
    }

    /** Starts every stopped member, then waits until all are healthy (one alone has no quorum). */
    void restartAll() throws IOException {
        for (int i = 0; i < processes.length; i++) {
            if (processes[i] == null || !processes[i].isAlive()) {
                launch(i);
            }
        }
        for (int i = 0; i < processes.length; i++) {
            awaitHealthy(i);
        }
    }

    boolean running(int i) {
        return processes[i] != null && processes[i].isAlive();
    }

    String log(int i) throws IOException {
        Path log = members.get(i).log();
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or ran: nothing to remove
        }
        PgvaultDist.deleteTree(base);
    }

    private void killAll() {
        for (int i = 0; i < processes.length; i++) {
            if (processes[i] != null && processes[i].isAlive()) {
                end(i, true);
            }
        }
    }

    /**
     * Turns authentication on, as an operator would: the root user etcd requires first, then
     * {@code user} with read and write on /pgvault/ and nothing else.
     */
    void enableAuth(String user, String password) throws Exception {
        io.etcd.jetcd.ClientBuilder builder = io.etcd.jetcd.Client.builder().endpoints(clientUrls().toArray(String[]::new));
        if (tls != null) {
            builder.sslContext(dev.pgvault.ha.tls.EtcdClientTls.load(tls.ca().certFile(), tls.client().certFile(),
                    tls.client().keyFile()).context());
        }
        try (io.etcd.jetcd.Client c = builder.build()) {
            io.etcd.jetcd.Auth auth = c.getAuthClient();
            io.etcd.jetcd.ByteSequence root = bytes("root");
            auth.userAdd(root, bytes("root-" + token)).get(10, TimeUnit.SECONDS);
            auth.roleAdd(root).get(10, TimeUnit.SECONDS);
            auth.userGrantRole(root, root).get(10, TimeUnit.SECONDS);
            io.etcd.jetcd.ByteSequence role = bytes("pgvault");
            auth.roleAdd(role).get(10, TimeUnit.SECONDS);
            auth.roleGrantPermission(role, bytes("/pgvault/"), bytes("/pgvault0"),
                    io.etcd.jetcd.auth.Permission.Type.READWRITE).get(10, TimeUnit.SECONDS);
            auth.userAdd(bytes(user), bytes(password)).get(10, TimeUnit.SECONDS);
            auth.userGrantRole(bytes(user), role).get(10, TimeUnit.SECONDS);
            auth.authEnable().get(10, TimeUnit.SECONDS);
        }
    }

    private static io.etcd.jetcd.ByteSequence bytes(String s) {
        return io.etcd.jetcd.ByteSequence.from(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    private void launch(int i) throws IOException {
        MemberProcess m = members.get(i);
        List<String> command = new ArrayList<>(List.of(ETCD.toString(),
                "--name", m.name(),
                "--data-dir", m.dataDir().toString(),
                "--listen-client-urls", m.clientUrl(),
                "--advertise-client-urls", m.clientUrl(),
                "--listen-peer-urls", m.peerUrl(),
                "--initial-advertise-peer-urls", m.peerUrl(),
                "--initial-cluster", initialCluster,
                "--initial-cluster-state", "new", // ignored once the data directory holds a member
                "--initial-cluster-token", token,
                "--logger", "zap",
                "--log-outputs", "stderr"));
        if (tls != null) {
            command.addAll(List.of("--cert-file", tls.server().certFile().toString(),
                    "--key-file", tls.server().keyFile().toString(),
                    "--client-cert-auth", "--trusted-ca-file", tls.ca().certFile().toString(),
                    "--listen-metrics-urls", "http://127.0.0.1:" + m.metricsPort()));
        }
        processes[i] = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(m.log().toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
    }

    private void end(int i, boolean kill) {
        Process p = processes[i];
        if (p == null) {
            return;
        }
        if (kill) {
            p.destroyForcibly();
        } else {
            p.destroy();
        }
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
    }

    /**
     * Polls the member's /health, which says true only once the member sees a leader and can serve
     * a read, so "started" means usable, not merely listening.
     */
    private void awaitHealthy(int i) throws IOException {
        MemberProcess m = members.get(i);
        HttpRequest request = HttpRequest.newBuilder(URI.create(m.healthUrl()))
                .timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!processes[i].isAlive()) {
                throw new AssertionError("etcd member " + m.name() + " exited with " + processes[i].exitValue()
                        + "; its log:\n" + log(i));
            }
            try {
                HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
                last = r.statusCode() + " " + r.body();
                if (r.statusCode() == 200 && r.body().contains("\"health\":\"true\"")) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for etcd member " + m.name(), e);
            }
            sleep(100);
        }
        throw new AssertionError("etcd member " + m.name() + " not healthy after " + START_TIMEOUT.toSeconds()
                + " s (last: " + last + "); its log:\n" + log(i));
    }

    private static int[] freePorts(int n) throws IOException {
        int[] ports = new int[n];
        for (int i = 0; i < n; i++) {
            ports[i] = TestPorts.next(); // distinct: never the same port twice in one JVM
        }
        return ports;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
