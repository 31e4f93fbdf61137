package dev.pgvault.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "resume", description = "End maintenance mode: the agents act on what they find again.")
final class HaResumeCommand implements Callable<Integer> {

    @ParentCommand
    HaCommand ha;

    @Override
    public Integer call() throws Exception {
        return HaMaintenance.set(ha, false);
    }
}
