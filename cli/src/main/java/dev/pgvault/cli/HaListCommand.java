package dev.pgvault.cli;

import dev.pgvault.cli.ha.HaSupport;
import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.api.ClusterJson;
import dev.pgvault.ha.api.ClusterTable;
import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.dcs.EtcdDcs;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

@Command(name = "list", description = {"The cluster's members as etcd has them: role, state, timeline and lag.",
        "--output json prints what GET /cluster answers."})
final class HaListCommand implements Callable<Integer> {

    @ParentCommand
    HaCommand ha;

    @Mixin
    OutputFormat format;

    @Override
    public Integer call() throws Exception {
        boolean json = format.json();
        HaSettings settings = HaSupport.settings(ha.top.loadConfig(), false);
        ClusterState state = HaSupport.read(settings, EtcdDcs::read);
        System.out.print(json ? ClusterJson.write(settings.cluster(), state) + "\n"
                : ClusterTable.render(settings.cluster(), state));
        return ExitCode.OK.code;
    }
}
