package dev.pgvault.cli;

import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.ha.fence.FenceFiles;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Starts {@code ha fence} in a session of its own ({@code setsid -f}), so that it outlives an
 * agent killed with its process group, and with a small heap: it holds one order at a time.
 */
final class FenceProcess {
    private FenceProcess() {}

    static void start(PgvaultConfig config, Consumer<String> log) {
        String launcher = System.getProperty("pgvault.launcher");
        if (launcher == null) {
            log.accept("fence: no launcher to start it with (pgvault runs in-process); only the agent's own watchdog guards");
            return;
        }
        FenceFiles files = FenceFiles.beside(config.pg().data());
        try {
            Files.createDirectories(files.dir());
            ProcessBuilder pb = new ProcessBuilder(List.of("setsid", "-f", launcher, "--config",
                    config.source().toAbsolutePath().toString(), "ha", "fence"))
                    .directory(files.dir().toFile())
                    .redirectInput(new File("/dev/null"))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(files.log().toFile()))
                    .redirectErrorStream(true);
            pb.environment().put("PGVAULT_JAVA_OPTS", "-Xmx24m -Xss512k -XX:TieredStopAtLevel=1");
            Process p = pb.start();
            p.waitFor(10, TimeUnit.SECONDS); // setsid -f returns once it has forked
            log.accept("fence: started beside the agent (log " + files.log() + ")");
        } catch (IOException e) {
            log.accept("fence: cannot start one: " + e.getMessage() + "; only the agent's own watchdog guards");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
