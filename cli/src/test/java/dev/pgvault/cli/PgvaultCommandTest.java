package dev.pgvault.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command model built for one call: only the subcommand it names, all of them otherwise. */
class PgvaultCommandTest {

    @Test
    void eachSubcommandIsListedUnderTheNameItsAnnotationGives() {
        for (PgvaultCommand.Subcommand c : PgvaultCommand.SUBCOMMANDS) {
            CommandLine.Command a = c.type().getAnnotation(CommandLine.Command.class);
            assertEquals(a.name(), c.name(), c.type().getName());
        }
    }

    @Test
    void theNamedCommandIsTheFirstArgumentThatIsNotAGlobalOption() {
        assertEquals("restore", PgvaultCommand.namedCommand(new String[] {"--config", "restore.yaml", "restore", "--pgdata", "x"}));
        assertEquals("info", PgvaultCommand.namedCommand(new String[] {"--config=/etc/p.yaml", "--verbose", "info"}));
        assertEquals("backup", PgvaultCommand.namedCommand(new String[] {"--", "backup"}));
        assertNull(PgvaultCommand.namedCommand(new String[] {"--verbose"}));
        assertNull(PgvaultCommand.namedCommand(new String[] {"--config"}));
    }

    @Test
    void aCallThatNamesACommandBuildsOnlyThatOne() {
        CommandLine cl = PgvaultCommand.model(new PgvaultCommand(), "restore");
        assertEquals(List.of("restore"), List.copyOf(cl.getSubcommands().keySet()));
    }

    @Test
    void helpAMisspellingOrNoCommandBuildsThemAll() {
        List<String> all = PgvaultCommand.SUBCOMMANDS.stream().map(PgvaultCommand.Subcommand::name).toList();
        for (String named : new String[] {null, "help", "restor"}) {
            CommandLine cl = PgvaultCommand.model(new PgvaultCommand(), named);
            assertEquals(all, List.copyOf(cl.getSubcommands().keySet()), String.valueOf(named));
        }
    }

    @Test
    void aTimeoutOfZeroOrLessIsABadArgumentBeforeTheConfigurationIsRead() {
        String[][] calls = {{"check", "--archive-timeout", "0"}, {"backup", "--archive-timeout", "-5"},
                {"ha", "switchover", "--to", "n2", "--timeout", "-1"}, {"ha", "failover", "--to", "n2", "--timeout", "0"},
                {"ha", "restart", "n1", "--timeout", "0"}};
        for (String[] call : calls) {
            List<String> args = new java.util.ArrayList<>(List.of("--config", "/nonexistent/pgvault.yaml"));
            args.addAll(List.of(call));
            MainTest.Result r = MainTest.run(args.toArray(String[]::new));
            assertEquals(2, r.code(), String.join(" ", call) + ": " + r.err());
            String option = call[call.length - 2];
            assertEquals("pgvault: " + option + " must be at least 1 second, not " + call[call.length - 1], r.err().strip());
        }
    }

    @Test
    void aMisspelledCommandOrOptionIsReportedWithTheClosestNameAndExitTwo() {
        MainTest.Result r = MainTest.run("restor", "--pgdata", "x");
        assertEquals(2, r.code(), r.err());
        assertEquals("pgvault: Unmatched arguments from index 0: 'restor', '--pgdata', 'x'; did you mean 'restore'?"
                + " (see 'pgvault --help')", r.err().strip());
        MainTest.Result option = MainTest.run("restore", "--pgdata", "x", "--detla");
        assertEquals(2, option.code(), option.err());
        assertTrue(option.err().strip().endsWith("; did you mean '--delta'? (see 'pgvault --help')"), option.err());
    }
}
