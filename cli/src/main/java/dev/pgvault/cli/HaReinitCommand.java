package dev.pgvault.cli;

import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.cli.ha.HaSupport;
import dev.pgvault.cli.ha.HaWait;
import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.dcs.EtcdDcs;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "reinit",
        description = {"Reseed a replica: its agent stops PostgreSQL, empties its data directory and copies",
                "it again by replica-method (the repository's newest backup, else pg_basebackup).",
                "Refused for the leader. Returns once the request is recorded; 'ha list' shows progress."})
final class HaReinitCommand implements Callable<Integer> {

    @ParentCommand
    HaCommand ha;

    @Parameters(paramLabel = "NAME", description = "The replica to reseed.")
    String name;

    @Override
    public Integer call() throws Exception {
        PgvaultConfig config = ha.top.loadConfig();
        HaSettings settings = HaSupport.settings(config, false);
        try (EtcdDcs dcs = HaSupport.connect(settings, HaWait.REQUEST_TIMEOUT)) {
            ClusterState c = dcs.read();
            if (!c.members().containsKey(name)) {
                throw new UserError(ExitCode.USAGE, "reinit: '" + name + "' is not a member of cluster '"
                        + settings.cluster() + "'");
            }
            if (c.leader() != null && c.leader().name().equals(name)) {
                throw new UserError(ExitCode.CONFLICT, "reinit: " + name + " is the leader; switch over first");
            }
            dcs.requestReinit(name);
            System.out.println("reinit of " + name + " requested");
        }
        return ExitCode.OK.code;
    }
}
