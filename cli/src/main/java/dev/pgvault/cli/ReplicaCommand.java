package dev.pgvault.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "replica", description = "Standbys built from the repository.",
        subcommands = {ReplicaCreateCommand.class, CommandLine.HelpCommand.class})
final class ReplicaCommand implements Runnable {

    @ParentCommand
    PgvaultCommand top;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: replica create");
    }
}
