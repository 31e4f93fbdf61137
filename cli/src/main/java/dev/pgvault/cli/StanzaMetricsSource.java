package dev.pgvault.cli;

import dev.pgvault.archiver.metrics.HostCounters;
import dev.pgvault.archiver.metrics.RepositoryFigures;
import dev.pgvault.archiver.metrics.StanzaMetrics;
import dev.pgvault.cli.config.PgvaultConfig;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/** The stanza's metrics from what this host can see: the repository's figures, its counters, its pg_wal. */
final class StanzaMetricsSource {
    private StanzaMetricsSource() {}

    /** {@code figures} null: the repository could not be read; {@code counters} null: not even opened. */
    static String render(PgvaultConfig config, RepositoryFigures figures, HostCounters counters) {
        Optional<HostCounters.Snapshot> host = Optional.empty();
        if (counters != null) {
            try {
                host = counters.read();
            } catch (IOException e) {
                host = Optional.empty(); // unreadable counters are absent ones
            }
        }
        return StanzaMetrics.render(config.stanza(), figures, host, readySegments(config.pg().data()));
    }

    /** PostgreSQL's archiving backlog: the .ready files in pg_wal/archive_status, when this host has pg.data. */
    static OptionalLong readySegments(Path data) {
        if (data == null) {
            return OptionalLong.empty();
        }
        long n = 0;
        try (DirectoryStream<Path> status = Files.newDirectoryStream(data.resolve("pg_wal").resolve("archive_status"),
                "*.ready")) {
            for (Path ignored : status) {
                n++;
            }
        } catch (IOException | SecurityException e) {
            return OptionalLong.empty(); // not this host's cluster, or not readable by this user
        }
        return OptionalLong.of(n);
    }
}
