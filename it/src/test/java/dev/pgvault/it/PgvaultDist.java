package dev.pgvault.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The built pgvault, copied to a directory under /tmp that every user can read: PostgreSQL runs
 * archive_command as its own OS user, who cannot read a checkout under root's home.
 */
final class PgvaultDist {
    private static PgvaultDist instance;

    final Path home;

    private PgvaultDist(Path home) {
        this.home = home;
    }

    static synchronized PgvaultDist get() throws IOException {
        if (instance == null) {
            Path checkout = Path.of(System.getProperty("pgvault.checkout", "..")).toAbsolutePath().normalize();
            Path lib = checkout.resolve("cli/target/pgvault/lib");
            if (!Files.isRegularFile(lib.resolve("pgvault-cli.jar"))) {
                throw new IllegalStateException("pgvault is not built: " + lib + " has no pgvault-cli.jar");
            }
            Path home = Files.createTempDirectory(Path.of("/tmp"), "pgvault-dist");
            Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.createDirectories(home.resolve("bin"));
            Files.createDirectories(home.resolve("lib"));
            Files.copy(checkout.resolve("bin/pgvault"), home.resolve("bin/pgvault"), StandardCopyOption.COPY_ATTRIBUTES);
            try (Stream<Path> files = Files.walk(lib)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Path to = home.resolve("lib").resolve(lib.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(to);
                    } else if (!f.getFileName().toString().endsWith(".jsa")) {
                        Files.copy(f, to);
                    }
                }
            }
            try (Stream<Path> all = Files.walk(home)) {
                for (Path p : (Iterable<Path>) all::iterator) {
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(
                            Files.isDirectory(p) || p.endsWith("bin/pgvault") ? "rwxr-xr-x" : "rw-r--r--"));
                }
            }
            // The class-data archive names jars by path: the copy makes its own, as users do.
            Proc.run(new OsUser(System.getProperty("user.name"), false),
                    List.of(home.resolve("bin/pgvault").toString(), "--build-cds")).ok();
            instance = new PgvaultDist(home);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(home)));
        }
        return instance;
    }

    Path launcher() {
        return home.resolve("bin/pgvault");
    }

    /** Runs pgvault with {@code args} as {@code user}. */
    Proc run(OsUser user, Path config, String... args) {
        return run(user, java.util.Map.of(), config, args);
    }

    /** Runs pgvault with {@code args} as {@code user}, with {@code env} added to the environment. */
    Proc run(OsUser user, java.util.Map<String, String> env, Path config, String... args) {
        List<String> cmd = new ArrayList<>(List.of(launcher().toString(), "--config", config.toString()));
        cmd.addAll(List.of(args));
        return Proc.run(user, cmd, env, 300);
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // best effort: a temp directory, which a process still ending may be writing to
        }
    }
}
