package dev.pgvault.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a program to completion and keeps what it printed. */
record Proc(int exitCode, String stdout, String stderr) {

    /** Runs {@code command} as {@code user} (via runuser when we are root and the user differs). */
    static Proc run(OsUser user, List<String> command, Map<String, String> env, long timeoutSeconds) {
        List<String> full = new ArrayList<>(user.wrap(command));
        try {
            Path out = Files.createTempFile("proc", ".out");
            Path err = Files.createTempFile("proc", ".err");
            try {
                ProcessBuilder pb = new ProcessBuilder(full).redirectOutput(out.toFile()).redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                pb.environment().putAll(env);
                long started = System.nanoTime();
                Process p = pb.start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("timed out after " + timeoutSeconds + " s: " + full);
                }
                reportTime(command, System.nanoTime() - started);
                return new Proc(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + full + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * With {@code -Dit.timings=true}, every command's wall time goes to standard error: to find
     * where a slow test spends its time.
     */
    private static void reportTime(List<String> command, long nanos) {
        if (Boolean.getBoolean("it.timings")) {
            String shown = String.join(" ", command.subList(Math.max(0, command.size() - 8), command.size()));
            System.err.printf("[it.timings] %6.2f s %s%n", nanos / 1e9, shown);
        }
    }

    static Proc run(OsUser user, List<String> command) {
        return run(user, command, Map.of(), 300);
    }

    Proc ok() {
        if (exitCode != 0) {
            throw new AssertionError("exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr);
        }
        return this;
    }
}
