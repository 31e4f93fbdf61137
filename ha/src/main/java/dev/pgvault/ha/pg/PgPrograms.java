package dev.pgvault.ha.pg;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs PostgreSQL's programs as the cluster's owner (through the command prefix), with stdin from
 * /dev/null and the output in a temporary file, never a pipe: {@code pg_ctl start} leaves a
 * postmaster behind, and a pipe it inherited would keep a reader waiting for ever. Passwords never
 * go on a command line: libpq takes them from PGPASSWORD or ~/.pgpass in the inherited environment.
 */
final class PgPrograms {
    /** A program gets this long past its own timeout to report it before it is killed. */
    private static final Duration GRACE = Duration.ofSeconds(15);

    private final Path bin;
    private final List<String> prefix;
    private final Path workingDirectory;

    /** {@code workingDirectory}: one the cluster's owner can enter (PGDATA's parent). */
    PgPrograms(Path bin, List<String> prefix, Path workingDirectory) {
        this.bin = bin;
        this.prefix = List.copyOf(prefix);
        this.workingDirectory = workingDirectory;
    }

    ProgramOutput run(Duration timeout, String program, String... args) throws PgControlException {
        return run(timeout, Map.of(), program, args);
    }

    /** {@code env}: added to the inherited environment. */
    ProgramOutput run(Duration timeout, Map<String, String> env, String program, String... args)
            throws PgControlException {
        List<String> command = new ArrayList<>(prefix);
        command.add(bin.resolve(program).toString());
        command.addAll(List.of(args));
        Path out = null;
        try {
            out = Files.createTempFile("pgvault-" + program, ".out");
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            if (Files.isDirectory(workingDirectory)) {
                pb.directory(workingDirectory.toFile());
            }
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeout.plus(GRACE).toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new PgControlException(program + " did not finish within " + timeout.toSeconds() + " s");
            }
            return new ProgramOutput(program, p.exitValue(), new String(Files.readAllBytes(out), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new PgControlException("cannot run " + program + " from " + bin + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgControlException("interrupted while " + program + " ran", e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a temporary file left in /tmp is harmless
                }
            }
        }
    }

    /** pg_ctl's and pg_rewind's {@code -t}: whole seconds, at least one. */
    static String seconds(Duration timeout) {
        return Long.toString(Math.max(1, timeout.toSeconds()));
    }
}
