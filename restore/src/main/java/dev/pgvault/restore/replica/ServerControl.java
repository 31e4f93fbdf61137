package dev.pgvault.restore.replica;

import java.nio.file.Path;
import java.time.Duration;

/** Starts PostgreSQL on a data directory. */
@FunctionalInterface
public interface ServerControl {
    /** Starts it, logging to {@code log}, and returns once it accepts connections; fails after {@code timeout}. */
    void start(Path pgdata, Path log, Duration timeout) throws ServerStartException, InterruptedException;
}
