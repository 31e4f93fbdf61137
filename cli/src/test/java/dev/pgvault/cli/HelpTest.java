package dev.pgvault.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code --help} on every command and subcommand, found by walking the command model (no list kept
 * by hand): exit 0, the command's usage on stdout, nothing on stderr, even where the command has
 * required options or arguments.
 */
class HelpTest {

    private static void paths(CommandLine cl, List<String> prefix, List<List<String>> out) {
        for (var e : cl.getSubcommands().entrySet()) {
            if (e.getValue().getCommandSpec().helpCommand() || !e.getKey().equals(e.getValue().getCommandName())) {
                continue; // the help command itself, and aliases
            }
            List<String> path = new ArrayList<>(prefix);
            path.add(e.getKey());
            out.add(path);
            paths(e.getValue(), path, out);
        }
    }

    @Test
    void theTopLevelHelpListsEveryExitCode() {
        MainTest.Result r = MainTest.run("--help");
        assertEquals(0, r.code());
        String text = r.out().replaceAll("\\s+", " ");
        for (ExitCode code : ExitCode.values()) {
            assertTrue(text.matches("(?s).*[ ,]" + code.code + " [a-zA-Z].*"), "exit " + code + " is not in:\n" + r.out());
        }
    }

    @Test
    void everyCommandAnswersHelpWithItsUsageAndExitZero() {
        CommandLine model = PgvaultCommand.model(new PgvaultCommand(), null);
        List<List<String>> commands = new ArrayList<>();
        paths(model, List.of(), commands);
        assertTrue(commands.size() >= 25, "the walk found " + commands);
        for (List<String> command : commands) {
            for (String flag : List.of("--help", "-h")) {
                List<String> args = new ArrayList<>(command);
                args.add(flag);
                MainTest.Result r = MainTest.run(args.toArray(String[]::new));
                assertEquals(0, r.code(), String.join(" ", args) + ": " + r.err());
                assertTrue(r.out().startsWith("Usage: pgvault " + String.join(" ", command)), String.join(" ", args)
                        + " printed: " + r.out());
                assertEquals("", r.err(), String.join(" ", args));
            }
        }
    }
}
