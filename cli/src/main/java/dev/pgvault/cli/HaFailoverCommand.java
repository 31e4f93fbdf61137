package dev.pgvault.cli;

import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.cli.ha.HaSupport;
import dev.pgvault.cli.ha.HaWait;
import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.Failover;
import dev.pgvault.ha.cluster.Member;
import dev.pgvault.ha.cluster.Role;
import dev.pgvault.ha.dcs.DcsException;
import dev.pgvault.ha.dcs.EtcdDcs;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

@Command(name = "failover",
        description = {"Manual failover when there is no healthy leader: NAME takes the leader key and",
                "is promoted even if it is behind (WAL it never received is lost). Refused while a",
                "healthy leader runs: use switchover. Waits until NAME is the primary."})
final class HaFailoverCommand implements Callable<Integer> {

    @ParentCommand
    HaCommand ha;

    @Mixin
    HaTarget target;

    @Override
    public Integer call() throws Exception {
        Seconds.positive(target.timeout, "--timeout");
        PgvaultConfig config = ha.top.loadConfig();
        HaSettings settings = HaSupport.settings(config, false);
        try (EtcdDcs dcs = HaSupport.connect(settings, HaWait.REQUEST_TIMEOUT)) {
            ClusterState c = dcs.read();
            // a leader whose agent stopped reporting is not healthy, even while its key awaits expiry
            java.time.Instant fresh = java.time.Instant.now().minus(settings.loopWait().multipliedBy(2))
                    .minus(settings.requestTimeout()).minusSeconds(1);
            if (c.leader() != null && c.leaderMember().filter(m -> m.role() == Role.PRIMARY
                    && "running".equals(m.state()) && m.updated().isAfter(fresh)).isPresent()) {
                throw new UserError(ExitCode.CONFLICT, "failover: " + c.leader().name()
                        + " is a healthy leader; use 'pgvault ha switchover --to " + target.to + "'");
            }
            Member member = c.members().get(target.to);
            if (member != null && member.tags().noFailover()) {
                throw new UserError(ExitCode.CONFLICT, "failover: " + target.to + " is tagged nofailover and never"
                        + " becomes the primary");
            }
            if (member == null || !member.runningReplica()) {
                throw new UserError(ExitCode.CONFLICT, "failover: '" + target.to + "' is not a running replica of cluster '"
                        + settings.cluster() + "'");
            }
            target.requestAndWait(dcs, "failover to " + target.to, new HaTarget.Request() {
                @Override
                public void write(java.time.Instant at) throws DcsException {
                    dcs.requestFailover(new Failover(target.to, at));
                }

                @Override
                public boolean pending(ClusterState now, java.time.Instant at) {
                    return now.failover() != null && now.failover().to().equals(target.to)
                            && now.failover().requested().equals(at);
                }

                @Override
                public void withdraw(java.time.Instant at) throws DcsException {
                    dcs.withdrawFailover(new Failover(target.to, at));
                }
            });
        }
        return ExitCode.OK.code;
    }
}
