package dev.pgvault.cli;

import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.ha.fence.FenceFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Starts {@code ha fence} in a session of its own ({@code setsid -f}), so that it outlives an
 * agent killed with its process group, and with a small heap: it holds one order at a time.
 */
final class FenceProcess {
    private FenceProcess() {}

    static void start(PgvaultConfig config, Consumer<String> log) {
        Optional<String> launcher = Detached.launcher();
        if (launcher.isEmpty()) {
            log.accept("fence: no launcher to start it with (pgvault runs in-process); only the agent's own watchdog guards");
            return;
        }
        FenceFiles files = FenceFiles.beside(config.pg().data());
        try {
            Files.createDirectories(files.dir());
            Detached.start(launcher.get(), config, files.dir(), files.log(),
                    Map.of("PGVAULT_JAVA_OPTS", "-Xmx24m -Xss512k -XX:TieredStopAtLevel=1"), "ha", "fence");
            log.accept("fence: started beside the agent (log " + files.log() + ")");
        } catch (IOException e) {
            log.accept("fence: cannot start one: " + e.getMessage() + "; only the agent's own watchdog guards");
        }
    }
}
