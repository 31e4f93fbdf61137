package dev.pgvault.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * The build runs this to write a man page per command (man1/pgvault.1, man1/pgvault-restore.1,
 * man1/pgvault-ha-run.1, ...) from the command model: the name and first description line, then
 * the command's --help text as it prints it. Hidden commands are left out. Not a user command.
 */
public final class ManPages {
    /** man indents a page's text by 7 columns: 72 more fit an 80-column terminal. */
    private static final int MAN_WIDTH = 72;

    private ManPages() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: ManPages OUTPUT-DIRECTORY VERSION");
        }
        Path dir = Files.createDirectories(Path.of(args[0]).resolve("man1"));
        write(dir, PgvaultCommand.model(new PgvaultCommand(), null), List.of("pgvault"), args[1]);
    }

    private static void write(Path dir, CommandLine cl, List<String> path, String version) throws Exception {
        String name = String.join("-", path);
        Files.writeString(dir.resolve(name + ".1"), page(cl, name, String.join(" ", path), version));
        for (Map.Entry<String, CommandLine> sub : cl.getSubcommands().entrySet()) {
            CommandLine.Model.CommandSpec spec = sub.getValue().getCommandSpec();
            if (spec.usageMessage().hidden() || spec.helpCommand() || !sub.getKey().equals(sub.getValue().getCommandName())) {
                continue;
            }
            List<String> next = new ArrayList<>(path);
            next.add(sub.getKey());
            write(dir, sub.getValue(), next, version);
        }
    }

    static String page(CommandLine cl, String name, String command, String version) {
        String[] description = cl.getCommandSpec().usageMessage().description();
        String summary = description.length == 0 ? command : description[0];
        StringBuilder s = new StringBuilder();
        s.append(".TH ").append(name.toUpperCase(java.util.Locale.ROOT)).append(" 1 \"\" \"pgvault ").append(version)
                .append("\" \"pgvault manual\"\n");
        s.append(".SH NAME\n").append(escape(name)).append(" \\- ").append(escape(summary)).append('\n');
        s.append(".SH SYNOPSIS AND OPTIONS\n.nf\n");
        cl.getCommandSpec().usageMessage().width(MAN_WIDTH);
        for (String line : cl.getUsageMessage(CommandLine.Help.Ansi.OFF).split("\n", -1)) {
            s.append(escape(line)).append('\n');
        }
        s.append(".fi\n.SH SEE ALSO\n").append(name.equals("pgvault") ? "" : "pgvault(1), ")
                .append("the README in the pgvault distribution\n");
        return s.toString();
    }

    /** roff text: backslashes escaped, and a line starting with '.' or '\'' not read as a request. */
    private static String escape(String line) {
        String e = line.replace("\\", "\\e");
        return e.startsWith(".") || e.startsWith("'") ? "\\&" + e : e;
    }
}
