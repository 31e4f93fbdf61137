package dev.pgvault.cli;

import dev.pgvault.cli.ha.HaSupport;
import dev.pgvault.cli.ha.HaWait;
import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.Member;
import dev.pgvault.ha.dcs.DcsException;
import dev.pgvault.ha.dcs.EtcdDcs;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "restart",
        description = {"Restart PostgreSQL on the named members, one at a time and each in the role it has:",
                "the leader keeps its key (no failover; writes pause while it restarts), a replica",
                "streams again. Waits for each to run before the next, so naming the replicas first",
                "and the leader last is a rolling restart (for a setting that needs one)."})
final class HaRestartCommand implements Callable<Integer> {

    @ParentCommand
    HaCommand ha;

    @Parameters(arity = "1..*", paramLabel = "NAME", description = "The members to restart, in this order.")
    List<String> names;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "How long to wait for each member to run again (default: ${DEFAULT-VALUE}).")
    long timeout;

    @Override
    public Integer call() throws Exception {
        Seconds.positive(timeout, "--timeout");
        HaSettings settings = HaSupport.settings(ha.top.loadConfig(), false);
        try (EtcdDcs dcs = HaSupport.connect(settings, HaWait.REQUEST_TIMEOUT)) {
            ClusterState c = dcs.read();
            for (String name : names) { // all checked before any is restarted
                Member m = c.members().get(name);
                if (m == null) {
                    throw new UserError(ExitCode.USAGE, "restart: '" + name + "' is not a member of cluster '"
                            + settings.cluster() + "'");
                }
                if (!"running".equals(m.state())) {
                    throw new UserError(ExitCode.CONFLICT, "restart: " + name + " is " + m.state()
                            + ", not running: nothing to restart");
                }
            }
            for (String name : names) {
                restart(dcs, name);
            }
        }
        return ExitCode.OK.code;
    }

    private void restart(EtcdDcs dcs, String name) throws DcsException, InterruptedException {
        boolean wasLeader = leads(dcs.read(), name);
        long began = System.nanoTime();
        dcs.requestRestart(name, Instant.now());
        Member after;
        try {
            after = HaWait.untilRestarted(dcs, name, Duration.ofSeconds(timeout));
        } catch (DcsException e) {
            try {
                dcs.clearRestart(name); // not left to fire later, unattended
            } catch (DcsException unreachable) {
                // etcd gone: the request stays until its agent takes it
            }
            throw e;
        }
        System.out.printf(Locale.ROOT, "restarted %s (%s) in %.1f s%n", name, after.role().label(),
                (System.nanoTime() - began) / 1e9);
        ClusterState now = dcs.read();
        if (wasLeader && !leads(now, name)) {
            throw new UserError(ExitCode.HA, "restart: " + name + " lost the leader key while it restarted (leader: "
                    + (now.leader() == null ? "none" : now.leader().name()) + "); see its agent's log");
        }
    }

    private static boolean leads(ClusterState c, String name) {
        return c.leader() != null && c.leader().name().equals(name);
    }
}
