package dev.pgvault.cli;

import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.ha.fence.Fence;
import dev.pgvault.ha.fence.FenceFiles;
import dev.pgvault.ha.pg.PgNodeSettings;
import dev.pgvault.ha.pg.PostgresNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * The fence beside an HA agent (started by {@code ha run}; not a command for users): stops the
 * node's PostgreSQL when the agent stops renewing the lease it runs a primary under.
 */
@Command(name = "fence", hidden = true,
        description = "The fence process of ha run (ha.watchdog): stops PostgreSQL when the agent stops renewing.")
final class HaFenceCommand implements Callable<Integer> {

    @ParentCommand
    HaCommand ha;

    @Override
    public Integer call() throws Exception {
        PgvaultConfig config = ha.top.loadConfig();
        PgNodeSettings node = HaRunCommand.nodeSettings(config, "fence");
        // the agent's margins follow from the same two settings (a short lease has a shorter one);
        // nothing else of the configuration is read, no secret file above all
        dev.pgvault.cli.config.HaConfig h = dev.pgvault.cli.ha.HaSupport.require(config);
        java.time.Duration margin = dev.pgvault.ha.HaSettings.fenceMargin(h.ttl(), h.loopWait());
        Fence fence = new Fence(FenceFiles.beside(node.dataDirectory()), new PostgresNode(node),
                line -> System.out.println(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " " + line), margin);
        fence.run(); // false: another fence already runs, and this one has nothing to do
        return ExitCode.OK.code;
    }
}
