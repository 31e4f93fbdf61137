package dev.pgvault.cli.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the demo's programs as the OS user PostgreSQL accepts: ourselves, or `postgres` when we
 * are root (PostgreSQL refuses to run as root).
 */
final class DemoHost {
    final String user;
    private final boolean switchUser;
    private final PrintStream out;

    DemoHost(PrintStream out) {
        this.out = out;
        boolean root = "root".equals(System.getProperty("user.name"));
        this.user = root ? "postgres" : System.getProperty("user.name");
        this.switchUser = root;
    }

    boolean switchesUser() {
        return switchUser;
    }

    /** Gives a file or directory to the demo's user. */
    void own(Path p) throws IOException {
        if (switchUser) {
            UserPrincipal owner = p.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(user);
            Files.setOwner(p, owner);
        }
    }

    /** Runs a program, shows its command line and output indented; fails on a non-zero exit. */
    String run(List<String> command) throws IOException, InterruptedException {
        out.println("   $ " + shellWords(command));
        Result r = exec(command);
        for (String line : r.output.strip().split("\n")) {
            if (!line.isBlank()) {
                out.println("     " + line);
            }
        }
        if (r.exitCode != 0) {
            throw new IOException("demo step failed: '" + String.join(" ", command) + "' exited with " + r.exitCode);
        }
        return r.output;
    }

    /** The command as a user would type it: words with spaces or quotes in single quotes. */
    static String shellWords(List<String> command) {
        StringBuilder b = new StringBuilder();
        for (String w : command) {
            if (b.length() > 0) {
                b.append(' ');
            }
            boolean plain = !w.isEmpty() && w.chars().allMatch(c -> Character.isLetterOrDigit(c) || "/._-=:+,%@".indexOf(c) >= 0);
            b.append(plain ? w : "'" + w.replace("'", "'\\''") + "'");
        }
        return b.toString();
    }

    /** Runs a program without showing it. */
    Result quiet(List<String> command) throws IOException, InterruptedException {
        return exec(command);
    }

    record Result(int exitCode, String output) {}

    private Result exec(List<String> command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (switchUser) {
            full.addAll(List.of("runuser", "-u", user, "--"));
        }
        full.addAll(command);
        Process p = new ProcessBuilder(full).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        byte[] bytes = p.getInputStream().readAllBytes();
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("demo step timed out: " + String.join(" ", command));
        }
        return new Result(p.exitValue(), new String(bytes, StandardCharsets.UTF_8));
    }
}
