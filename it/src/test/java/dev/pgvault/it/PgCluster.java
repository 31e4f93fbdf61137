package dev.pgvault.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;

/**
 * A real PostgreSQL 15 cluster made by initdb in a temporary directory, on a free loopback port,
 * run as {@link OsUser#forPostgres()}.
 */
final class PgCluster implements AutoCloseable {
    static final Path BIN = Path.of(System.getProperty("pg.bin", "/usr/lib/postgresql/15/bin"));

    final OsUser user;
    final Path base;
    final Path data;
    final int port;

    private PgCluster(OsUser user, Path base, Path data, int port) {
        this.user = user;
        this.base = base;
        this.data = data;
        this.port = port;
    }

    static boolean available() {
        return Files.isExecutable(BIN.resolve("initdb"));
    }

    /** initdb a new cluster; {@code extraConf} lines are appended to postgresql.conf. */
    static PgCluster create(String... extraConf) throws IOException {
        OsUser user = OsUser.forPostgres();
        Path base = user.newDirectory("pgvault-pg");
        Path data = base.resolve("data");
        Proc.run(user, List.of(BIN.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres",
                "-A", "trust", "--data-checksums", "--no-sync")).ok();
        int port = freePort();
        StringBuilder conf = new StringBuilder("\n# pgvault tests\n")
                .append("port = ").append(port).append('\n')
                .append("listen_addresses = '127.0.0.1'\n")
                .append("unix_socket_directories = '").append(base).append("'\n")
                .append("wal_level = replica\nmax_wal_senders = 5\nfsync = off\n")
                .append("shared_buffers = 32MB\nmax_connections = 30\n");
        for (String line : extraConf) {
            conf.append(line).append('\n');
        }
        Proc.run(user, List.of("sh", "-c", "cat >> '" + data.resolve("postgresql.conf") + "'"
                + " <<'PGVAULT_EOF'\n" + conf + "PGVAULT_EOF\n")).ok();
        return new PgCluster(user, base, data, port);
    }

    PgCluster start() {
        Proc.run(user, List.of(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-l",
                base.resolve("server.log").toString(), "-w", "-t", "60", "start")).ok();
        return this;
    }

    void stop() {
        Proc.run(user, List.of(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w",
                "stop"));
    }

    Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
    }

    /** Runs a PostgreSQL client program (pgbench, psql) against this cluster. */
    Proc client(String program, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(BIN.resolve(program).toString(), "-h", "127.0.0.1",
                "-p", String.valueOf(port), "-U", "postgres"));
        cmd.addAll(List.of(args));
        return Proc.run(user, cmd);
    }

    /** pgbench with two clients in the background, writing until the returned process is destroyed. */
    Process startPgbench() throws IOException {
        return new ProcessBuilder(user.wrap(List.of(BIN.resolve("pgbench").toString(), "-h", "127.0.0.1", "-p",
                String.valueOf(port), "-U", "postgres", "-n", "-c", "2", "-T", "600", "postgres")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    String serverLog() throws IOException {
        Path log = base.resolve("server.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() {
        stop();
        PgvaultDist.deleteTree(base);
    }

    static int freePort() throws IOException {
        return TestPorts.next();
    }
}
