package dev.pgvault.cli.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The README's main job: a throwaway cluster and repository, archiving, a full backup, a
 * mistake, and a point-in-time restore that undoes it, each step printed.
 */
public final class Demo {
    private final PrintStream out;
    private final DemoHost host;
    private final Path pgBin;
    private final Path launcher;
    private final Path lib;
    private int step;

    public Demo(PrintStream out, Path pgBin, Path launcher, Path lib) {
        this.out = out;
        this.host = new DemoHost(out);
        this.pgBin = pgBin;
        this.launcher = launcher;
        this.lib = lib;
    }

    public void run(boolean keep) throws Exception {
        Path work = Files.createTempDirectory(Path.of("/tmp"), "pgvault-demo-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        host.own(work);
        Path data = work.resolve("primary");
        Path restored = work.resolve("restored");
        Path repo = work.resolve("repo");
        Path config = work.resolve("pgvault.yaml");
        int port = freePort();
        int restoredPort = freePort();
        out.println("pgvault demo: everything lives in " + work + (host.switchesUser()
                ? " and runs as the '" + host.user + "' OS user (PostgreSQL refuses to run as root)" : ""));
        boolean primaryUp = false;
        boolean restoredUp = false;
        try {
            Path pgvault = installLauncher(work);

            step("Create a PostgreSQL cluster with archive_command calling pgvault");
            host.run(List.of(pg("initdb"), "-D", data.toString(), "-U", "postgres", "-A", "trust",
                    "--data-checksums", "--no-sync"));
            appendConf(data, "port = " + port, "listen_addresses = '127.0.0.1'",
                    "unix_socket_directories = '" + work + "'", "wal_level = replica", "archive_mode = on",
                    "archive_command = '" + pgvault + " --config " + config + " archive-push %p'");
            Files.createDirectories(repo);
            host.own(repo);
            Files.writeString(config, "stanza: demo\npg:\n  data: " + data + "\n  host: 127.0.0.1\n  port: " + port
                    + "\n  user: postgres\n  bin: " + pgBin + "\nrepo:\n  type: fs\n  path: " + repo
                    + "\n  compress: zstd\nprocess-max: 2\n");
            host.own(config);
            out.println("   pgvault.yaml:");
            Files.readAllLines(config).forEach(l -> out.println("     " + l));

            step("Start PostgreSQL on port " + port);
            host.run(List.of(pg("pg_ctl"), "-D", data.toString(), "-l", work.resolve("primary.log").toString(),
                    "-w", "start"));
            primaryUp = true;

            step("Register the cluster in the repository, then check that archiving works");
            host.run(List.of(pgvault.toString(), "--config", config.toString(), "init"));
            host.run(List.of(pgvault.toString(), "--config", config.toString(), "check"));

            step("Write 1000 orders, then take a full backup");
            sql(port, "CREATE TABLE orders (id int PRIMARY KEY, item text, placed timestamptz DEFAULT now())",
                    "INSERT INTO orders (id, item) SELECT g, 'item ' || g FROM generate_series(1, 1000) g");
            host.run(List.of(pgvault.toString(), "--config", config.toString(), "backup"));

            step("Write 1000 more orders after the backup, and note the time");
            sql(port, "INSERT INTO orders (id, item) SELECT g, 'item ' || g FROM generate_series(1001, 2000) g");
            String goodTime = query(port, "SELECT now()::text");
            out.println("   orders: " + query(port, "SELECT count(*) FROM orders") + ", time noted: " + goodTime);
            Thread.sleep(1100);

            step("The mistake: DROP TABLE orders");
            sql(port, "DROP TABLE orders");
            String segment = query(port, "SELECT pg_walfile_name(pg_switch_wal())");
            waitArchived(port, segment);
            out.println("   orders table: " + query(port, "SELECT coalesce(to_regclass('orders')::text, 'gone')")
                    + "; WAL up to " + segment + " is in the repository");

            step("Restore to the noted time into a new directory");
            host.run(List.of(pgvault.toString(), "--config", config.toString(), "info"));
            host.run(List.of(pgvault.toString(), "--config", config.toString(), "restore", "--pgdata",
                    restored.toString(), "--target-time", goodTime, "--target-action", "promote", "--archive-mode", "off"));

            step("Start the restored copy on port " + restoredPort + " and let it replay WAL to that time");
            host.run(List.of(pg("pg_ctl"), "-D", restored.toString(), "-o", "-p " + restoredPort,
                    "-l", work.resolve("restored.log").toString(), "-w", "-t", "120", "start"));
            restoredUp = true;
            waitPromoted(restoredPort);

            step("The orders are back");
            String count = query(restoredPort, "SELECT count(*) FROM orders");
            out.println("   restored copy: " + count + " orders (max id "
                    + query(restoredPort, "SELECT max(id) FROM orders") + ")");
            out.println("   primary:       orders table " + query(port, "SELECT coalesce(to_regclass('orders')::text, 'gone')"));
            if (!count.equals("2000")) {
                throw new IOException("the restored copy has " + count + " orders, expected 2000");
            }
            out.println();
            out.println("Demo done: point-in-time recovery brought back all 2000 orders dropped by mistake.");
        } finally {
            step("Clean up");
            if (restoredUp) {
                host.quiet(List.of(pg("pg_ctl"), "-D", restored.toString(), "-m", "immediate", "stop"));
            }
            if (primaryUp) {
                host.quiet(List.of(pg("pg_ctl"), "-D", data.toString(), "-m", "fast", "stop"));
            }
            if (keep) {
                out.println("   kept " + work);
            } else {
                deleteTree(work);
                out.println("   removed " + work);
            }
        }
    }

    /**
     * PostgreSQL runs archive_command as its own OS user, who may not be able to read this
     * installation (a checkout under root's home): then the demo copies it next to its data.
     */
    private Path installLauncher(Path work) throws IOException {
        if (!host.switchesUser()) {
            return launcher;
        }
        Path dist = work.resolve("pgvault");
        Files.createDirectories(dist.resolve("bin"));
        Files.copy(launcher, dist.resolve("bin/pgvault"), StandardCopyOption.COPY_ATTRIBUTES);
        try (Stream<Path> files = Files.walk(lib)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path to = dist.resolve("lib").resolve(lib.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else if (!f.getFileName().toString().endsWith(".jsa")) {
                    Files.copy(f, to);
                }
            }
        }
        try (Stream<Path> files = Files.walk(dist)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(
                        Files.isDirectory(f) || f.endsWith("bin/pgvault") ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return dist.resolve("bin/pgvault");
    }

    private void step(String title) {
        out.println();
        out.println("==> " + (++step) + ". " + title);
    }

    private String pg(String program) {
        return pgBin.resolve(program).toString();
    }

    private void appendConf(Path data, String... lines) throws IOException, InterruptedException {
        host.quiet(List.of("sh", "-c", "cat >> '" + data.resolve("postgresql.conf") + "' <<'EOF'\n"
                + String.join("\n", lines) + "\nEOF\n"));
    }

    private static Connection connect(int port) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
    }

    private void sql(int port, String... statements) throws SQLException {
        try (Connection c = connect(port); Statement st = c.createStatement()) {
            for (String s : statements) {
                out.println("   sql> " + s);
                st.execute(s);
            }
        }
    }

    private static String query(int port, String sql) throws SQLException {
        try (Connection c = connect(port); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void waitArchived(int port, String segment) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            String done = query(port, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
            if (done.compareTo(segment) >= 0) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IOException(segment + " was not archived within 60 s");
    }

    private static void waitPromoted(int port) throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            try {
                if (query(port, "SELECT pg_is_in_recovery()::text").equals("false")) {
                    return;
                }
            } catch (SQLException e) {
                // still starting up
            }
            Thread.sleep(200);
        }
        throw new IOException("the restored copy did not finish recovery within 120 s");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            List<Path> paths = new ArrayList<>(all.sorted(Comparator.reverseOrder()).toList());
            for (Path p : paths) {
                Files.deleteIfExists(p);
            }
        }
    }
}
