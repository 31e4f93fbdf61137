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
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " not found: apt-get install haproxy (.ci/run does)");
        }
        Path checkout = Path.of(System.getProperty("pgvault.checkout", "..")).toAbsolutePath().normalize();
        String cfg = Files.readString(checkout.resolve("contrib/haproxy.cfg"));
        int primaryPort = PgCluster.freePort();
        int replicaPort = PgCluster.freePort();
        cfg = cfg.replace("bind *:5000", "bind 127.0.0.1:" + primaryPort).replace("bind *:5001", "bind 127.0.0.1:" + replicaPort);
        for (int i = 0; i < 3; i++) {
            HaNode n = nodes.get(i);
            cfg = cfg.replace("10.0.0." + (i + 1) + ":5432 maxconn 100 check port 8008",
                    "127.0.0.1:" + n.pgPort + " maxconn 100 check port " + n.apiPort);
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
