package dev.pgvault.cli;

import dev.pgvault.cli.ha.HaWait;
import dev.pgvault.ha.dcs.Dcs;
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
        void write(Instant at) throws Exception;
    }

    /** Writes the request, waits until {@link #to} is the primary, and prints how long that took. */
    void requestAndWait(Dcs dcs, String what, Request request) throws Exception {
        Instant began = Instant.now();
        request.write(began);
        System.out.println(what + " requested; waiting");
        HaWait.untilPrimary(dcs, to, Duration.ofSeconds(timeout), what);
        System.out.printf(Locale.ROOT, "%s is the primary (%.1f s)%n", to,
                Duration.between(began, Instant.now()).toMillis() / 1000.0);
    }
}
