package dev.pgvault.cli.ha;

import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.Member;
import dev.pgvault.ha.cluster.Role;
import dev.pgvault.ha.dcs.Dcs;
import dev.pgvault.ha.dcs.DcsException;
import java.time.Duration;
import java.time.Instant;

/** Waiting, as a person's command does, for the cluster to reach a state. */
public final class HaWait {
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private HaWait() {}

    /**
     * Until {@code name} holds the leader key and publishes itself as a running primary (true), or
     * until the request that should make it so is no longer {@code pending} while another node
     * leads or none does (false: an agent dropped or cancelled it).
     */
    public static boolean untilPrimary(Dcs dcs, String name, Duration timeout, String what,
            java.util.function.Predicate<ClusterState> pending) throws DcsException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            ClusterState c;
            try {
                c = dcs.read();
            } catch (DcsException e) {
                // one failed read (an etcd leader election) is not the end of the wait
                if (Instant.now().isAfter(deadline)) {
                    throw e;
                }
                Thread.sleep(200);
                continue;
            }
            Member m = c.members().get(name);
            boolean leads = c.leader() != null && c.leader().name().equals(name);
            if (leads && m != null && m.role() == Role.PRIMARY) {
                return true;
            }
            if (!leads && !pending.test(c)) {
                return false;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new DcsException(what + " did not complete within " + timeout.toSeconds() + " s (leader: "
                        + (c.leader() == null ? "none" : c.leader().name()) + "); see the agents' logs");
            }
            Thread.sleep(200);
        }
    }

    /**
     * Until {@code name}'s agent took its restart request and reports PostgreSQL running again;
     * returns that report. The agent says "restarting" before it takes the request, so a report
     * read after the request is gone is never the one from before the restart.
     */
    public static Member untilRestarted(Dcs dcs, String name, Duration timeout) throws DcsException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            ClusterState c = null;
            try {
                c = dcs.read();
            } catch (DcsException e) {
                if (Instant.now().isAfter(deadline)) {
                    throw e;
                }
            }
            Member m = c == null ? null : c.members().get(name);
            if (c != null && !c.restart().contains(name) && m != null && "running".equals(m.state())) {
                return m;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new DcsException("restart of " + name + " did not complete within " + timeout.toSeconds()
                        + " s (" + (c == null ? "etcd unreachable" : c.restart().contains(name)
                                ? "its agent has not taken the request" : "its state: " + (m == null ? "no report" : m.state()))
                        + "); see its agent's log");
            }
            Thread.sleep(200);
        }
    }
}
