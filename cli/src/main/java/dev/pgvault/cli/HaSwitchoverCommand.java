package dev.pgvault.cli;

import dev.pgvault.cli.config.ConfigException;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.cli.ha.HaSupport;
import dev.pgvault.cli.ha.HaWait;
import dev.pgvault.cli.ha.RestSwitchover;
import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.Member;
import dev.pgvault.ha.cluster.Role;
import dev.pgvault.ha.cluster.Switchover;
import dev.pgvault.ha.dcs.DcsException;
import dev.pgvault.ha.dcs.EtcdDcs;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

@Command(name = "switchover",
        description = {"Planned switchover: the leader shuts down cleanly, NAME receives all of its WAL and",
                "is promoted, the old leader follows it. No acknowledged commit is lost. Waits until",
                "NAME is the primary."})
final class HaSwitchoverCommand implements Callable<Integer> {

    @ParentCommand
    HaCommand ha;

    @Mixin
    HaTarget target;

    @Override
    public Integer call() throws Exception {
        Seconds.positive(target.timeout, "--timeout");
        PgvaultConfig config = ha.top.loadConfig();
        HaSettings settings;
        try {
            settings = HaSupport.settings(config, true);
        } catch (ConfigException unreadableToken) {
            settings = HaSupport.settings(config, false); // not this user's to read: etcd directly, as before
        }
        if (settings.apiToken() != null && throughLocalAgent(settings)) {
            return ExitCode.OK.code;
        }
        try (EtcdDcs dcs = HaSupport.connect(settings, HaWait.REQUEST_TIMEOUT)) {
            ClusterState c = dcs.read();
            if (c.leader() == null || c.leaderMember().filter(m -> m.role() == Role.PRIMARY).isEmpty()) {
                throw new UserError(ExitCode.CONFLICT, "switchover: cluster '" + settings.cluster()
                        + "' has no running leader; use 'pgvault ha failover --to " + target.to + "'");
            }
            String from = c.leader().name();
            if (from.equals(target.to)) {
                throw new UserError(ExitCode.CONFLICT, "switchover: " + target.to + " is already the leader");
            }
            Member member = c.members().get(target.to);
            if (member == null) {
                throw new UserError(ExitCode.USAGE, "switchover: '" + target.to + "' is not a member of cluster '"
                        + settings.cluster() + "' (members: " + String.join(", ", new java.util.TreeSet<>(c.members().keySet())) + ")");
            }
            if (member.tags().noFailover()) {
                throw new UserError(ExitCode.CONFLICT, "switchover: " + target.to + " is tagged nofailover and never"
                        + " becomes the primary");
            }
            if (!member.runningReplica() || !member.streaming()) {
                throw new UserError(ExitCode.CONFLICT, "switchover: " + target.to + " is not a streaming replica (role "
                        + member.role().label() + ", " + member.state() + ")");
            }
            target.requestAndWait(dcs, "switchover from " + from + " to " + target.to, new HaTarget.Request() {
                @Override
                public void write(java.time.Instant at) throws DcsException {
                    dcs.requestSwitchover(new Switchover(from, target.to, at));
                }

                @Override
                public boolean pending(ClusterState now, java.time.Instant at) {
                    return now.switchover() != null && now.switchover().to().equals(target.to)
                            && now.switchover().requested().equals(at);
                }

            });
        }
        return ExitCode.OK.code;
    }

    /**
     * Through this node's agent, whose REST API checks the request against etcd and records it:
     * no etcd client to start here. False when no agent answers on ha.api (then etcd directly).
     */
    private boolean throughLocalAgent(HaSettings settings) throws Exception {
        RestSwitchover rest = new RestSwitchover(settings);
        Instant began = Instant.now();
        Optional<RestSwitchover.Answer> answer = rest.request(target.to);
        if (answer.isEmpty()) {
            return false;
        }
        RestSwitchover.Answer a = answer.get();
        if (a.status() == 400 && a.error().startsWith("no member named")) {
            throw new UserError(ExitCode.USAGE, "switchover: " + a.error()); // as when it asks etcd itself
        }
        if (a.status() == 503) {
            return false; // the local agent cannot reach etcd now; nor, likely, can this command, but try
        }
        if (a.status() != 202) {
            throw new UserError(ExitCode.CONFLICT, "switchover: " + a.error());
        }
        System.out.println("switchover to " + target.to + " requested through the local agent; waiting");
        if (!rest.awaitPrimary(target.to, Duration.ofSeconds(target.timeout))) {
            throw new UserError(ExitCode.CONFLICT, "switchover to " + target.to + " did not complete within "
                    + target.timeout + " s; see the agents' logs");
        }
        System.out.printf(Locale.ROOT, "%s is the primary (%.1f s)%n", target.to,
                Duration.between(began, Instant.now()).toMillis() / 1000.0);
        return true;
    }
}
