package dev.pgvault.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Debian's HAProxy running the repository's contrib/haproxy.cfg, with the example's addresses
 * and ports replaced by the test cluster's: node i's PostgreSQL and REST API ports, and two free
 * ports for the primary and replica listeners.
 */
final class HaProxy implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/sbin/haproxy");

    final int primaryPort;
    final int replicaPort;
    private final Process process;

    private HaProxy(int primaryPort, int replicaPort, Process process) {
        this.primaryPort = primaryPort;
        this.replicaPort = replicaPort;
        this.process = process;
    }

    static HaProxy start(List<HaNode> nodes, Path work) throws IOException, InterruptedException {
        return start(nodes, work, null);
    }

    /**
     * As {@link #start(List, Path)}, for 2 or 3 nodes; with {@code apiCa} the health checks go
     * over HTTPS, verified against that authority, by the file's own commented TLS lines.
     */
    static HaProxy start(List<HaNode> nodes, Path work, Path apiCa) throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " not found: apt-get install haproxy (.ci/run does)");
        }
        Path checkout = Path.of(System.getProperty("pgvault.checkout", "..")).toAbsolutePath().normalize();
        String cfg = Files.readString(checkout.resolve("contrib/haproxy.cfg"));
        if (apiCa != null) {
            String plain = "    default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions\n";
            String tls = "    #default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions check-ssl verify required"
                    + " ca-file /etc/haproxy/pgvault-api-ca.pem\n";
            if (!cfg.contains(plain + "    # with the REST API over TLS") || !cfg.contains(tls)) {
                throw new IllegalStateException("contrib/haproxy.cfg no longer has its commented TLS check lines");
            }
            cfg = cfg.replace(plain, "").replace(tls, tls.substring(0, 4) + tls.substring(5).replace(
                    "/etc/haproxy/pgvault-api-ca.pem", apiCa.toString()));
        }
        int primaryPort = PgCluster.freePort();
        int replicaPort = PgCluster.freePort();
        cfg = cfg.replace("bind *:5000", "bind 127.0.0.1:" + primaryPort).replace("bind *:5001", "bind 127.0.0.1:" + replicaPort);
        for (int i = 0; i < 3; i++) {
            String example = "10.0.0." + (i + 1) + ":5432 maxconn 100 check port 8008";
            if (i < nodes.size()) {
                HaNode n = nodes.get(i);
                cfg = cfg.replace(example, "127.0.0.1:" + n.pgPort + " maxconn 100 check port " + n.apiPort);
            } else {
                cfg = cfg.replace("    server node" + (i + 1) + " " + example + "\n", "");
            }
        }
        if (cfg.contains("10.0.0.")) {
            throw new IllegalStateException("contrib/haproxy.cfg no longer has the three example servers the test replaces");
        }
        Path file = work.resolve("haproxy.cfg");
        Files.writeString(file, cfg);
        Proc check = Proc.run(new OsUser(System.getProperty("user.name"), false), List.of(BINARY.toString(), "-c", "-f", file.toString()));
        if (check.exitCode() != 0) {
            throw new IllegalStateException("haproxy -c refuses the configuration: " + check.stdout() + check.stderr());
        }
        Process p = new ProcessBuilder(BINARY.toString(), "-db", "-f", file.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("haproxy.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        return new HaProxy(primaryPort, replicaPort, p);
    }

    /** A session through one of the listeners; fails fast when HAProxy has no server for it. */
    Connection connect(int port) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("connectTimeout", "2");
        p.setProperty("socketTimeout", "5");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
