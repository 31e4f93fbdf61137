package dev.pgvault.ha.agent;

import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.ReplicaMethod;
import dev.pgvault.ha.pg.LocalPostgres;
import dev.pgvault.ha.pg.PgControlException;
import dev.pgvault.ha.pg.Repository;
import dev.pgvault.ha.pg.Upstream;
import java.time.Duration;
import java.util.function.Consumer;

/** Fills an empty data directory by the configured replica methods, in order, until one works. */
final class Seeder {
    static final Duration TIMEOUT = Duration.ofHours(6);

    private final HaSettings settings;
    private final LocalPostgres postgres;
    private final Repository repository;
    private final Consumer<String> log;

    Seeder(HaSettings settings, LocalPostgres postgres, Repository repository, Consumer<String> log) {
        this.settings = settings;
        this.postgres = postgres;
        this.repository = repository;
        this.log = log;
    }

    /**
     * With {@code ha.reseed-delta} and the repository among the replica methods: brings the
     * stopped data directory to the repository's newest backup in place (a delta restore) and
     * returns true. False, having changed nothing, when that is off or there is no backup; false
     * too when the delta restore failed, which leaves a directory PostgreSQL refuses to start, for
     * the caller to move aside or empty and seed as usual.
     */
    boolean reseedInPlace(Upstream upstream) throws PgControlException {
        if (!settings.reseedDelta() || repository == null || !settings.replicaMethods().contains(ReplicaMethod.REPOSITORY)
                || !repository.hasBackup()) {
            return false;
        }
        log.accept("reseeding in place from the repository's newest backup (delta restore, ha.reseed-delta), then streaming"
                + " from " + upstream.name());
        try {
            repository.reseedReplica(upstream, TIMEOUT);
            return true;
        } catch (PgControlException e) {
            log.accept("delta reseeding failed: " + e.getMessage() + "; seeding as usual");
            return false;
        }
    }

    /** Seeds from {@code upstream}; throws with every method's failure when none worked. */
    void seed(Upstream upstream) throws PgControlException {
        StringBuilder failures = new StringBuilder();
        for (ReplicaMethod method : settings.replicaMethods()) {
            try {
                if (method == ReplicaMethod.REPOSITORY) {
                    if (repository == null || !repository.hasBackup()) {
                        failures.append("; repository: no backup to restore");
                        continue;
                    }
                    log.accept("seeding from the repository's newest backup, then streaming from " + upstream.name());
                    repository.seedReplica(upstream, TIMEOUT);
                } else {
                    log.accept("seeding with pg_basebackup from " + upstream.name());
                    postgres.baseBackup(upstream, TIMEOUT);
                }
                return;
            } catch (PgControlException e) {
                failures.append("; ").append(method.name().toLowerCase(java.util.Locale.ROOT)).append(": ")
                        .append(e.getMessage());
                postgres.removeData(); // a half-copied directory must not look like data next cycle
            }
        }
        throw new PgControlException("no replica method worked" + failures);
    }
}
