package dev.pgvault.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A man page for every command the model holds, hidden ones and the help command left out. */
class ManPagesTest {
    @TempDir
    Path dir;

    private static void names(CommandLine cl, List<String> path, Set<String> out) {
        out.add(String.join("-", path) + ".1");
        for (var e : cl.getSubcommands().entrySet()) {
            var spec = e.getValue().getCommandSpec();
            if (!spec.usageMessage().hidden() && !spec.helpCommand()) {
                List<String> next = new ArrayList<>(path);
                next.add(e.getKey());
                names(e.getValue(), next, out);
            }
        }
    }

    @Test
    void everyVisibleCommandHasAPageWithItsUsage() throws Exception {
        ManPages.main(new String[] {dir.toString(), "9.9"});
        Set<String> expected = new TreeSet<>();
        names(PgvaultCommand.model(new PgvaultCommand(), null), List.of("pgvault"), expected);
        Set<String> written = new TreeSet<>();
        try (Stream<Path> files = Files.list(dir.resolve("man1"))) {
            files.forEach(f -> written.add(f.getFileName().toString()));
        }
        assertEquals(expected, written);
        assertTrue(written.size() >= 25, written.toString());
        assertFalse(written.contains("pgvault-archive-async.1"), "a hidden command has no page");
        String restore = Files.readString(dir.resolve("man1/pgvault-restore.1"));
        assertTrue(restore.startsWith(".TH PGVAULT-RESTORE 1 \"\" \"pgvault 9.9\" \"pgvault manual\"\n.SH NAME\npgvault-restore \\- "),
                restore);
        assertTrue(restore.contains("\nUsage: pgvault restore "), restore);
        String unfilled = restore.substring(restore.indexOf("\n.nf\n"), restore.indexOf("\n.fi\n"));
        for (String line : unfilled.split("\n")) { // shown as they are: groff does not wrap them
            assertTrue(line.length() <= 72, "wider than a terminal once man indents it: " + line);
        }
    }
}
