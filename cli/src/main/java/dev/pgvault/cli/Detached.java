package dev.pgvault.cli;

import dev.pgvault.cli.config.PgvaultConfig;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Starts a resident pgvault command (the async archiver, the HA fence) through the launcher, in a
 * session of its own ({@code setsid -f}): it outlives its starter, even one killed with its
 * process group. Its output is appended to {@code log}.
 */
final class Detached {
    private Detached() {}

    /** The launcher this JVM was started by; empty when pgvault runs in-process (tests). */
    static Optional<String> launcher() {
        return Optional.ofNullable(System.getProperty("pgvault.launcher"));
    }

    static void start(String launcher, PgvaultConfig config, Path dir, Path log, Map<String, String> env,
            String... command) throws IOException {
        List<String> argv = new ArrayList<>(List.of("setsid", "-f", launcher, "--config",
                config.source().toAbsolutePath().toString()));
        argv.addAll(List.of(command));
        ProcessBuilder pb = new ProcessBuilder(argv)
                .directory(dir.toFile())
                .redirectInput(new File("/dev/null"))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true);
        pb.environment().remove("PGVAULT_CONFIG");
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            p.waitFor(10, TimeUnit.SECONDS); // setsid -f returns once it has forked
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
