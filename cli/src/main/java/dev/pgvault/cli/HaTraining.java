package dev.pgvault.cli;

import dev.pgvault.cli.config.ConfigLoader;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.cli.ha.HaSupport;
import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.api.ClusterTable;
import dev.pgvault.ha.api.HaApi;
import dev.pgvault.ha.dcs.DcsException;
import dev.pgvault.ha.dcs.EtcdDcs;
import dev.pgvault.ha.pg.PgControlException;
import dev.pgvault.ha.pg.PostgresNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * The training run behind lib/pgvault-ha.jsa, the class-data archive of the {@code ha} commands:
 * an agent's start (configuration, etcd client, PostgreSQL driver, REST API) costs some 0.5 s
 * of class loading from the jars, paid by every agent start (a rejoin's clock runs from it) and
 * every {@code ha list} or {@code ha switchover}. There is no etcd or PostgreSQL at build time:
 * both are asked on a loopback port nothing listens on, which loads the client side of each
 * (channel, request, failure) but not the classes of a successful answer.
 */
final class HaTraining {
    /** Long enough for the etcd client to try and fail; short enough not to slow an install. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofMillis(300);

    private HaTraining() {}

    static void run(Path dir) throws Exception {
        ThirdPartyLogging.quietUnless(false); // the etcd client's warnings about the port it cannot reach
        try (Socket refusing = refusingPort()) {
            run(dir, refusing.getLocalPort());
        }
    }

    private static void run(Path dir, int closed) throws Exception {
        // the configuration refuses port 0: a port free a moment ago (taken meanwhile, the training fails and the
        // launcher says the archive was not made)
        int api = freePort();
        Path config = dir.resolve("ha.yaml");
        Files.writeString(config, "stanza: training\nrepo:\n  path: " + dir.resolve("ha-repo") + "\n"
                + "pg:\n  data: " + dir.resolve("ha-data") + "\n  host: 127.0.0.1\n  port: " + closed + "\n"
                + "ha:\n  cluster: training\n  name: training\n  etcd: [http://127.0.0.1:" + closed + "]\n"
                + "  api: 127.0.0.1:" + api + "\n");
        PgvaultConfig loaded = ConfigLoader.load(config);
        HaSettings settings = HaSupport.settings(loaded, true);
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
        try (EtcdDcs dcs = HaSupport.connect(settings, REQUEST_TIMEOUT)) {
            try {
                sink.print(ClusterTable.render(settings.cluster(), dcs.read()));
            } catch (DcsException expected) {
                sink.print(expected.getMessage());
            }
            try (HaApi server = new HaApi(settings, () -> null, dcs, Clock.systemUTC())) {
                // the answer is a 503 (no state yet): the server's and the client's paths are loaded all the same
                HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + server.address().getPort()
                        + "/health").toURL().openConnection();
                sink.print(c.getResponseCode());
                try (InputStream body = c.getErrorStream() != null ? c.getErrorStream() : c.getInputStream()) {
                    body.readAllBytes();
                }
            }
        }
        // status() returns at once (no PG_VERSION in the scratch directory); standbys() uses the driver
        PostgresNode node = new PostgresNode(HaRunCommand.nodeSettings(loaded, settings.name()));
        sink.print(node.status());
        try {
            node.standbys();
        } catch (PgControlException expected) {
            sink.print(expected.getMessage());
        }
        Main.run(new String[] {"ha", "--help"}, sink, sink);
        Main.run(new String[] {"--config", config.toString(), "ha", "switchover", "--help"}, sink, sink);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * A loopback port bound but not listening, for the run's length: connections to it are
     * refused, and nothing else can listen on it meanwhile (so nothing is sent to a stranger).
     */
    private static Socket refusingPort() throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return s;
    }
}
