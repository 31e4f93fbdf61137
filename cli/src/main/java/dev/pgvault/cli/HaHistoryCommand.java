package dev.pgvault.cli;

import dev.pgvault.cli.ha.HaSupport;
import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.api.HistoryText;
import dev.pgvault.ha.cluster.TimelineSwitch;
import dev.pgvault.ha.dcs.EtcdDcs;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

@Command(name = "history", description = {"The cluster's timelines: where each began, when, on which member and why",
        "(switchover, failover, manual failover), as the promoting agents recorded them in etcd."})
final class HaHistoryCommand implements Callable<Integer> {

    @ParentCommand
    HaCommand ha;

    @Mixin
    OutputFormat format;

    @Override
    public Integer call() throws Exception {
        boolean json = format.json();
        HaSettings settings = HaSupport.settings(ha.top.loadConfig(), false);
        List<TimelineSwitch> history = HaSupport.read(settings, EtcdDcs::history);
        System.out.print(json ? HistoryText.json(settings.cluster(), history) + "\n"
                : HistoryText.table(settings.cluster(), history));
        return ExitCode.OK.code;
    }
}
