package dev.pgvault.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

// Work in progress: replaced by the real command before it is listed in the README.
@Command(name = "demo", description = "Demo (in progress).")
final class DemoCommand implements Callable<Integer> {

    @ParentCommand
    PgvaultCommand top;

    @Override
    public Integer call() throws Exception {
        throw new UserError(ExitCode.INTERNAL, "demo is not implemented yet");
    }
}
