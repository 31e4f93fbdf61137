package dev.pgvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The progress line in a real terminal: pgvault run inside tmux, its screen read back with
 * {@code capture-pane}. At a terminal backup, restore, verify and replica create draw one line, redrawn
 * in place, that ends at 100% with the files counted, and their own output follows on a fresh
 * line; {@code --no-progress} draws nothing there; into a pipe nothing is drawn unless
 * {@code --progress} asks.
 */
@Concurrent
class ProgressIT {
    private static final Pattern LINE = Pattern.compile(
            "(backup|restore|replica create|verify): [0-9.]+ [KMG]?i?B of [0-9.]+ [KMG]?i?B \\((\\d+)%\\), [0-9.]+ [KMG]?i?B/s,"
                    + " ([0-9,]+) of ([0-9,]+) (files|objects).*");

    @BeforeAll
    static void needsPostgresAndTmux() {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found in " + PgCluster.BIN);
        assertTrue(Files.isExecutable(Path.of("/usr/bin/tmux")), "tmux not installed: apt-get install -y tmux");
    }

    @Test
    @Timeout(300)
    void aTerminalGetsOneLineRedrawnToTheEndAndAPipeGetsNone() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on", "archive_timeout = 0")) {
            Path config = repo.config("main", pg);
            Files.writeString(pg.data.resolve("postgresql.auto.conf"), "archive_command = '" + dist.launcher()
                    + " --config " + config + " archive-push %p'\n", StandardOpenOption.APPEND);
            pg.start();
            dist.run(pgUser, config, "init").ok();
            pg.client("pgbench", "-i", "-s", "3", "-q", "postgres").ok();

            // into a pipe: nothing drawn, the command's own lines alone
            Proc piped = dist.run(pgUser, config, "backup");
            assertEquals(0, piped.exitCode(), piped.stderr());
            assertFalse(piped.stderr().contains("\r") || piped.stderr().contains("backup: "), piped.stderr());

            List<String> backup = inTmux(pgUser, dist, config, "backup");
            assertDrawnOnceAtTheEnd(backup, "backup", "full backup ");

            Path target = pgUser.newDirectory("pgvault-progress-restore").resolve("data");
            List<String> restore = inTmux(pgUser, dist, config, "restore", "--pgdata", target.toString());
            assertDrawnOnceAtTheEnd(restore, "restore", "restored backup ");

            List<String> verify = inTmux(pgUser, dist, config, "verify");
            assertDrawnOnceAtTheEnd(verify, "verify", "verified stanza 'main'");

            Path standby = pgUser.newDirectory("pgvault-progress-replica").resolve("data");
            List<String> replica = inTmux(pgUser, dist, config, "replica", "create", "--pgdata", standby.toString(),
                    "--primary-conninfo", "host=127.0.0.1 port=" + pg.port + " user=postgres");
            assertDrawnOnceAtTheEnd(replica, "replica create", "restored backup ");
            assertTrue(replica.stream().anyMatch(l -> l.startsWith("standby: replays archived WAL")), String.join("\n", replica));

            Path quiet = pgUser.newDirectory("pgvault-progress-quiet").resolve("data");
            List<String> none = inTmux(pgUser, dist, config, "restore", "--no-progress", "--pgdata", quiet.toString());
            assertTrue(none.stream().noneMatch(l -> l.startsWith("restore: ")), String.join("\n", none));
            assertTrue(none.stream().anyMatch(l -> l.startsWith("restored backup ")), String.join("\n", none));

            // asked for into a pipe: drawn there too, with carriage returns, to the end
            Path forced = pgUser.newDirectory("pgvault-progress-forced").resolve("data");
            Proc asked = dist.run(pgUser, config, "restore", "--progress", "--pgdata", forced.toString());
            assertEquals(0, asked.exitCode(), asked.stderr());
            String last = asked.stderr().substring(asked.stderr().lastIndexOf('\r') + 1).strip();
            assertTrue(LINE.matcher(last).matches() && last.contains("(100%)"), asked.stderr());
        }
    }

    /** The pane's lines after {@code args} ran to its end at a 200-column tmux terminal. */
    private static List<String> inTmux(OsUser user, PgvaultDist dist, Path config, String... args) throws Exception {
        String session = "pgvault-progress-" + System.nanoTime();
        Path done = Files.createTempFile("pgvault-tmux", ".done");
        Files.delete(done);
        List<String> command = new ArrayList<>(user.wrap(new ArrayList<>(List.of(dist.launcher().toString(), "--config",
                config.toString()))));
        command.addAll(List.of(args));
        String shell = String.join(" ", command.stream().map(ProgressIT::quote).toList()) + "; echo exit=$? > "
                + done + "; sleep 600";
        tmux(session, "new-session", "-d", "-s", session, "-x", "200", "-y", "50", shell);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
            while (!Files.exists(done) || Files.size(done) == 0) {
                assertTrue(System.nanoTime() < deadline, "pgvault " + String.join(" ", args) + " did not end in tmux:\n"
                        + tmux(session, "capture-pane", "-p", "-t", session));
                Thread.sleep(100);
            }
            assertEquals("exit=0", Files.readString(done).strip(), tmux(session, "capture-pane", "-p", "-t", session));
            return tmux(session, "capture-pane", "-p", "-t", session).lines().map(String::stripTrailing)
                    .filter(l -> !l.isEmpty()).toList();
        } finally {
            tmux(session, "kill-session", "-t", session);
            Files.deleteIfExists(done);
        }
    }

    private static void assertDrawnOnceAtTheEnd(List<String> pane, String what, String nextLineStart) {
        String screen = String.join("\n", pane);
        List<String> drawn = pane.stream().filter(l -> l.startsWith(what + ": ")).toList();
        assertEquals(1, drawn.size(), "one line, redrawn in place:\n" + screen);
        var m = LINE.matcher(drawn.get(0));
        assertTrue(m.matches(), screen);
        assertEquals("100", m.group(2), screen);
        assertEquals(m.group(4), m.group(3), "every file counted:\n" + screen);
        int at = pane.indexOf(drawn.get(0));
        assertTrue(pane.subList(at + 1, pane.size()).stream().anyMatch(l -> l.startsWith(nextLineStart)),
                "the command's own output on the lines after it:\n" + screen);
    }

    /**
     * tmux on a server of its own per session ({@code -L}): the server of the session killed last
     * exits meanwhile, and a new session sent to its socket then could be lost with it ("no
     * server running" once, in a CI run).
     */
    private static String tmux(String server, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("tmux", "-L", server));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
