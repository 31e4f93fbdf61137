package dev.pgvault.ha.agent;

import dev.pgvault.ha.dcs.Dcs;
import dev.pgvault.ha.pg.LocalPostgres;
import java.time.Duration;

/**
 * A fresh agent's first etcd request and first PostgreSQL connection, made on two threads while
 * the caller starts the REST API: together some 0.5 s of a cold JVM, which a rejoining node would
 * otherwise spend one after the other on its way to streaming. On a short lease the first etcd
 * request alone outlasted the 400 ms request timeout, and the first cycle waited a loop for nothing.
 */
public final class StartupWarmUp {
    /** A cold first etcd request took 0.25-0.45 s here; past this the cycle's own timeouts judge etcd. */
    static final Duration LIMIT = Duration.ofSeconds(1);

    private final Thread etcd;

    private StartupWarmUp(Thread etcd) {
        this.etcd = etcd;
    }

    public static StartupWarmUp begin(Dcs dcs, LocalPostgres pg) {
        daemon("pgvault-warm-postgres", pg::warmUp); // never waited for: see awaitEtcd
        return new StartupWarmUp(daemon("pgvault-warm-etcd", () -> dcs.warmUp(LIMIT)));
    }

    private static Thread daemon(String name, Runnable work) {
        Thread t = new Thread(work, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * Waits for the etcd request, at most {@link #LIMIT} in all, so that the first cycle's requests
     * find the connection made. The PostgreSQL side is not waited for: one connection opened and
     * closed (refused when the server is stopped), which matters only for the classes it loads;
     * the cycle's own connection, if it comes first, loads them as well.
     */
    public void awaitEtcd() {
        try {
            etcd.join(LIMIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
