package dev.pgvault.cli;

import dev.pgvault.cli.config.ConfigException;
import dev.pgvault.cli.config.ConfigLoader;
import dev.pgvault.cli.config.PgvaultConfig;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "pgvault",
        mixinStandardHelpOptions = true,
        versionProvider = PgvaultCommand.VersionProvider.class,
        description = "PostgreSQL backup, point-in-time recovery and high availability.",
        subcommands = {InitCommand.class, CheckCommand.class, ArchivePushCommand.class, ArchiveGetCommand.class,
                ArchiveAsyncCommand.class,
                BackupCommand.class, ExpireCommand.class, KeepCommand.class, InfoCommand.class, RestoreCommand.class, ReplicaCommand.class, HaCommand.class, VerifyCommand.class,
                DemoCommand.class, RepoLsCommand.class, RepoGetCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 not found, 2 bad arguments, 3 configuration, 4 repository,",
                "5 PostgreSQL, 6 corrupt data, 7 conflicting object or state, 8 HA (etcd unreachable or",
                "the cluster not in the asked state in time), 70 internal error, 126 archive-get failed",
                "for a reason other than a missing file (PostgreSQL then stops recovery)."})
public final class PgvaultCommand implements Runnable {

    @Option(names = "--config", paramLabel = "FILE",
            description = "Configuration file (default: $PGVAULT_CONFIG, else /etc/pgvault/pgvault.yaml).")
    Path config;

    @Option(names = "--verbose", description = "Log more, and print stack traces on errors.")
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
        CommandLine cl = new CommandLine(top);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.registerConverter(java.nio.file.Path.class, PgvaultCommand::path);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("pgvault: " + OneLine.of(ex.getMessage()) + " (see 'pgvault --help')");
            // PostgreSQL reads restore_command's exit codes 1-125 as "no such file", which would
            // end archive recovery early: a call it cannot even parse must stop recovery instead
            return java.util.List.of(args).contains("archive-get") ? ExitCode.RESTORE_ABORT.code : ExitCode.USAGE.code;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> Failures.report(ex, top.verbose, err));
        addHelpOptions(cl);
        cl.setExecutionStrategy(parsed -> {
            // only the ha commands load jetcd: the others skip java.util.logging's start-up
            if (parsed.asCommandLineList().stream().anyMatch(c -> c.getCommand() instanceof HaCommand)) {
                ThirdPartyLogging.quietUnless(top.verbose);
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        return cl.execute(args);
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
