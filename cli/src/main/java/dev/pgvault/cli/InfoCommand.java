package dev.pgvault.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

// Work in progress: replaced by the real command before it is listed in the README.
@Command(name = "info", description = "Info (in progress).")
final class InfoCommand implements Callable<Integer> {

    @ParentCommand
    PgvaultCommand top;

    @Override
    public Integer call() throws Exception {
        throw new UserError(ExitCode.INTERNAL, "info is not implemented yet");
    }
}
