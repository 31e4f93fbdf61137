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
}
