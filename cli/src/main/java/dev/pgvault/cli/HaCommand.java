package dev.pgvault.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "ha", description = "High availability on etcd: the per-node agent and cluster operations.",
        subcommands = {HaRunCommand.class, HaFenceCommand.class, HaListCommand.class, HaHistoryCommand.class, HaSwitchoverCommand.class, HaFailoverCommand.class,
                HaReinitCommand.class, HaRestartCommand.class, HaPauseCommand.class, HaResumeCommand.class, CommandLine.HelpCommand.class})
final class HaCommand implements Runnable {

    @ParentCommand
    PgvaultCommand top;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing command: ha run | list | history | switchover | failover | reinit | restart | pause | resume");
    }
}
