package dev.pgvault.cli;

import dev.pgvault.cli.ha.HaWait;
import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.dcs.Dcs;
import dev.pgvault.ha.dcs.DcsException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import picocli.CommandLine.Option;

/** The options of switchover and failover, and their common end: record the request, wait, report. */
final class HaTarget {
    @Option(names = "--to", paramLabel = "NAME", required = true, description = "The member to become primary.")
    String to;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long to wait for NAME to be primary (default: ${DEFAULT-VALUE}).")
    long timeout;

    interface Request {
        void write(Instant at) throws DcsException;

        /** Whether the request written at {@code at} is still the one in etcd. */
        boolean pending(ClusterState c, Instant at);

        /**
         * Removes the request written at {@code at} if it is still the one in etcd. A failover
         * must not fire later, unattended; a switchover is left to expire (a minute), because
         * withdrawn mid-flight, after its leader handed over, it would turn into an ordinary
         * failover that may not wait for the handed-over WAL.
         */
        default void withdraw(Instant at) throws DcsException {}
    }

    /**
     * Writes the request, waits until {@link #to} is the primary, and prints how long that took.
     * A request an agent dropped is a refusal; one that timed out is withdrawn where that is safe
     * (see {@link Request#withdraw}).
     */
    void requestAndWait(Dcs dcs, String what, Request request) throws Exception {
        Instant began = Instant.now();
        request.write(began);
        System.out.println(what + " requested; waiting");
        boolean done;
        try {
            done = HaWait.untilPrimary(dcs, to, Duration.ofSeconds(timeout), what, c -> request.pending(c, began));
        } catch (DcsException e) {
            try {
                request.withdraw(began);
            } catch (DcsException unreachable) {
                // etcd gone: the agents ignore the request once it is a minute old
            }
            throw e;
        }
        if (!done) {
            ClusterState c = dcs.read();
            throw new UserError(ExitCode.CONFLICT, what + " was dropped by the cluster's agents (leader: "
                    + (c.leader() == null ? "none" : c.leader().name()) + "); see their logs");
        }
        System.out.printf(Locale.ROOT, "%s is the primary (%.1f s)%n", to,
                Duration.between(began, Instant.now()).toMillis() / 1000.0);
    }
}
