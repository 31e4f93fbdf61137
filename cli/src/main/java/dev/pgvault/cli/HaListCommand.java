package dev.pgvault.cli;

import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.cli.ha.HaSupport;
import dev.pgvault.cli.ha.HaWait;
import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.api.ClusterJson;
import dev.pgvault.ha.api.ClusterTable;
import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.dcs.EtcdDcs;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "list", description = {"The cluster's members as etcd has them: role, state, timeline and lag.",
        "--output json prints what GET /cluster answers."})
final class HaListCommand implements Callable<Integer> {

    @ParentCommand
    HaCommand ha;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
    String output;

    @Override
    public Integer call() throws Exception {
        if (!output.equals("text") && !output.equals("json")) {
            throw new UserError(ExitCode.USAGE, "--output must be text or json, not '" + output + "'");
        }
        PgvaultConfig config = ha.top.loadConfig();
        HaSettings settings = HaSupport.settings(config, false);
        ClusterState state;
        try (EtcdDcs dcs = HaSupport.connect(settings, HaWait.REQUEST_TIMEOUT)) {
            state = dcs.read();
        }
        System.out.print(output.equals("json") ? ClusterJson.write(settings.cluster(), state) + "\n"
                : ClusterTable.render(settings.cluster(), state));
        return ExitCode.OK.code;
    }
}
