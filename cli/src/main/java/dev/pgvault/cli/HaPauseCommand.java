package dev.pgvault.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "pause",
        description = {"Maintenance mode: the agents take no automatic action (no failover, no restart, no",
                "rewind) until 'ha resume'. The leader keeps its key while PostgreSQL runs as the primary",
                "and still stops it if its lease could expire. Switchover, failover and reinit still work."})
final class HaPauseCommand implements Callable<Integer> {

    @ParentCommand
    HaCommand ha;

    @Override
    public Integer call() throws Exception {
        return HaMaintenance.set(ha, true);
    }
}
