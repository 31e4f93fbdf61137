package dev.pgvault.cli;

import dev.pgvault.cli.config.ConfigException;
import dev.pgvault.cli.config.ConfigLoader;
import dev.pgvault.cli.config.PgvaultConfig;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "pgvault",
        mixinStandardHelpOptions = true,
        versionProvider = PgvaultCommand.VersionProvider.class,
        description = "PostgreSQL backup, point-in-time recovery and high availability.",
        footer = {"", "Exit codes: 0 ok, 1 not found, 2 bad arguments, 3 configuration, 4 repository,",
                "5 PostgreSQL, 6 corrupt data, 7 conflicting object or state, 8 HA (etcd unreachable or",
                "the cluster not in the asked state in time), 70 internal error, 126 archive-get failed",
                "for a reason other than a missing file (PostgreSQL then stops recovery)."})
public final class PgvaultCommand implements Runnable {

    /** A subcommand: its name, as its {@code @Command} gives it, and its class. */
    record Subcommand(String name, Class<?> type) {}

    /**
     * The subcommands, in the order help lists them. Not in {@code @Command(subcommands = ...)}:
     * picocli would build every command's model on every start (~50 ms of a cold JVM), where a
     * call needs only the one it names ({@link #model}).
     */
    static final List<Subcommand> SUBCOMMANDS = List.of(new Subcommand("init", InitCommand.class),
            new Subcommand("check", CheckCommand.class), new Subcommand("archive-push", ArchivePushCommand.class),
            new Subcommand("archive-get", ArchiveGetCommand.class), new Subcommand("archive-async", ArchiveAsyncCommand.class),
            new Subcommand("wal-receive", WalReceiveCommand.class),
            new Subcommand("backup", BackupCommand.class), new Subcommand("expire", ExpireCommand.class),
            new Subcommand("keep", KeepCommand.class), new Subcommand("info", InfoCommand.class),
            new Subcommand("metrics", MetricsCommand.class),
            new Subcommand("restore", RestoreCommand.class), new Subcommand("replica", ReplicaCommand.class),
            new Subcommand("ha", HaCommand.class), new Subcommand("verify", VerifyCommand.class),
            new Subcommand("demo", DemoCommand.class), new Subcommand("repo-ls", RepoLsCommand.class),
            new Subcommand("repo-get", RepoGetCommand.class), new Subcommand("help", CommandLine.HelpCommand.class));

    @Option(names = "--config", paramLabel = "FILE", scope = CommandLine.ScopeType.INHERIT,
            description = "Configuration file (default: $PGVAULT_CONFIG, else /etc/pgvault/pgvault.yaml).")
    Path config;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "Log more, and print stack traces on errors.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    /** Loads the configuration this invocation names; commands call it only when they need it. */
    PgvaultConfig loadConfig() throws ConfigException {
        return ConfigLoader.load(ConfigLoader.locate(config, System.getenv()));
    }

    static int execute(String[] args, PrintStream out, PrintStream err) {
        PgvaultCommand top = new PgvaultCommand();
        CommandLine cl = model(top, namedCommand(args));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        // Named classes, not lambdas, for picocli's interfaces: picocli is compiled for Java 5, and
        // the class-data archive's dump links an old interface to make a lambda of it, which
        // excludes that interface and every class under it (its run strategy, its 28 type
        // converters) from the archive, to be read from the jar on every call.
        cl.registerConverter(java.nio.file.Path.class, new PathConverter());
        cl.setParameterExceptionHandler(new ParseFailure(err, args));
        cl.setExecutionExceptionHandler(new ExecutionFailure(top, err));
        addHelpOptions(cl);
        cl.setExecutionStrategy(new Strategy(top));
        return cl.execute(args);
    }

    private static final class PathConverter implements CommandLine.ITypeConverter<java.nio.file.Path> {
        @Override
        public java.nio.file.Path convert(String value) {
            return path(value);
        }
    }

    /** A command line picocli cannot parse: one line, and an exit code recovery does not take for "not found". */
    private record ParseFailure(PrintStream err, String[] args) implements CommandLine.IParameterExceptionHandler {
        @Override
        public int handleParseException(CommandLine.ParameterException ex, String[] a) {
            err.println("pgvault: " + OneLine.of(ex.getMessage()) + suggestion(ex) + " (see 'pgvault --help')");
            // PostgreSQL reads restore_command's exit codes 1-125 as "no such file", which would
            // end archive recovery early: a call it cannot even parse must stop recovery instead
            return java.util.List.of(args).contains("archive-get") ? ExitCode.RESTORE_ABORT.code : ExitCode.USAGE.code;
        }
    }

    private record ExecutionFailure(PgvaultCommand top, PrintStream err) implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception ex, CommandLine c, CommandLine.ParseResult parsed) {
            return Failures.report(ex, top.verbose, err);
        }
    }

    private record Strategy(PgvaultCommand top) implements CommandLine.IExecutionStrategy {
        @Override
        public int execute(CommandLine.ParseResult parsed) {
            // only the ha commands load jetcd: the others skip java.util.logging's start-up
            for (CommandLine c : parsed.asCommandLineList()) {
                if (c.getCommand() instanceof HaCommand) {
                    ThirdPartyLogging.quietUnless(top.verbose);
                    break;
                }
            }
            return new CommandLine.RunLast().execute(parsed);
        }
    }

    /** picocli's guess at what a mistyped command or option meant, as "; did you mean ...?", or nothing. */
    static String suggestion(CommandLine.ParameterException ex) {
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            return "; did you mean '" + u.getSuggestions().get(0) + "'?"; // the closest: picocli orders them
        }
        return "";
    }

    /**
     * The command model with only subcommand {@code named}, or with all of them when {@code named}
     * is none of theirs (help, a misspelling picocli then suggests a name for, no command at all).
     * The help command needs them all: it is not one of the lone ones.
     */
    static CommandLine model(PgvaultCommand top, String named) {
        CommandLine cl = new CommandLine(top);
        boolean lone = named != null && !named.equals("help") && SUBCOMMANDS.stream().anyMatch(c -> c.name().equals(named));
        for (Subcommand c : SUBCOMMANDS) {
            if (!lone || c.name().equals(named)) {
                cl.addSubcommand(c.name(), c.type());
            }
        }
        return cl;
    }

    /**
     * The first argument that is not a global option or its value: the subcommand's name, if
     * there is one. Only {@code --config} takes a value (as the next argument or after {@code =}).
     */
    static String namedCommand(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config")) {
                i++;
            } else if (args[i].equals("--")) {
                return i + 1 < args.length ? args[i + 1] : null;
            } else if (!args[i].startsWith("-")) {
                return args[i];
            }
        }
        return null;
    }

    /**
     * {@code -h}/{@code --help} on every command and subcommand (picocli prints the usage and exits
     * 0 before it checks required options), added by walking the command model so that no
     * command, present or future, is left without it.
     */
    static void addHelpOptions(CommandLine cl) {
        CommandLine.Model.CommandSpec spec = cl.getCommandSpec();
        if (spec.optionsMap().get("--help") == null && !spec.helpCommand()) {
            spec.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
                    .description("Show this help and exit.").build());
        }
        cl.getSubcommands().values().forEach(PgvaultCommand::addHelpOptions);
    }

    /** A path argument; picocli's own conversion would name Java classes in its error. */
    private static java.nio.file.Path path(String text) {
        try {
            return java.nio.file.Path.of(text);
        } catch (java.nio.file.InvalidPathException e) {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a usable path (" + e.getReason() + ")");
        }
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"pgvault " + Version.get()};
        }
    }
}
