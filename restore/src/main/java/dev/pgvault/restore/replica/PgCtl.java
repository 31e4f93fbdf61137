package dev.pgvault.restore.replica;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code pg_ctl start -w}: pg_ctl returns once postmaster.pid says the server accepts connections
 * (a hot standby does once it is consistent). Runs as this process's user, with its environment;
 * nothing secret is on its command line.
 */
public final class PgCtl implements ServerControl {
    private final Path pgCtl;

    /** {@code bin}: PostgreSQL's binaries, or null to find pg_ctl on PATH. */
    public PgCtl(Path bin) {
        this.pgCtl = bin == null ? Path.of("pg_ctl") : bin.resolve("pg_ctl");
    }

    @Override
    public void start(Path pgdata, Path log, Duration timeout) throws ServerStartException, InterruptedException {
        List<String> cmd = List.of(pgCtl.toString(), "-D", pgdata.toString(), "-l", log.toString(), "-w",
                "-t", Long.toString(Math.max(1, timeout.toSeconds())), "start");
        String output;
        int exit;
        try {
            Files.createDirectories(log.getParent());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeout.toSeconds() + 30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            exit = p.exitValue();
        } catch (IOException e) {
            throw new ServerStartException("cannot run " + pgCtl + ": " + e.getMessage()
                    + " (set pg.bin in the configuration to PostgreSQL's bin directory)");
        }
        if (exit != 0) {
            throw new ServerStartException("PostgreSQL did not start on " + pgdata + " (pg_ctl exited " + exit + "): "
                    + lastLine(log, output) + "; see " + log);
        }
    }

    /** The server log's last error, else pg_ctl's last line: the reason, in one line. */
    private static String lastLine(Path log, String output) {
        try {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (lines.get(i).contains("FATAL") || lines.get(i).contains("PANIC")) {
                    return lines.get(i).strip();
                }
            }
        } catch (IOException ignored) {
            // fall back to pg_ctl's own words
        }
        List<String> out = output.strip().lines().toList();
        return out.isEmpty() ? "no output" : out.get(out.size() - 1).strip();
    }
}
