package dev.pgvault.cli;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.metrics.HostCounters;
import dev.pgvault.archiver.metrics.RepositoryFigures;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "metrics",
        description = {"Print the stanza's backup and archiving metrics in Prometheus text format.",
                "Reads the repository and this host's counters (archive-push and backup failures).",
                "For node_exporter's textfile collector, run it from cron with --output:",
                "  pgvault metrics --output /var/lib/prometheus/node-exporter/pgvault.prom",
                "When the repository cannot be read, the metrics are still printed (or written), with",
                "pgvault_repository_up 0 and this host's counters, and the command exits non-zero."})
final class MetricsCommand implements Callable<Integer> {

    @ParentCommand
    PgvaultCommand top;

    @Option(names = "--output", paramLabel = "FILE",
            description = "Write to FILE (through a temporary file beside it, renamed: a collector never reads half) instead of stdout.")
    Path output;

    /** The text, and why the repository could not be read (null when it was). */
    private record Reading(String text, Exception failure) {}

    private static Reading read(PgvaultConfig config) throws Exception {
        Exception failure = null;
        RepositoryFigures figures = null;
        HostCounters counters;
        try (EncodedStore repo = Repositories.openEncoded(config.repo())) {
            counters = WalCommands.counters(config, repo);
            try {
                figures = RepositoryFigures.read(repo, new RepositoryLayout(config.stanza()));
            } catch (IOException | RuntimeException e) {
                failure = e; // the host's own figures are still worth printing, and up 0 says what is wrong
            }
        }
        return new Reading(StanzaMetricsSource.render(config, figures, counters), failure);
    }

    /** The metrics text alone, as the HA agent's /metrics serves it. */
    static String text(PgvaultConfig config) throws Exception {
        return read(config).text();
    }

    @Override
    public Integer call() throws Exception {
        PgvaultConfig config = top.loadConfig();
        Reading reading = read(config);
        Exception failure = reading.failure();
        String text = reading.text();
        if (output == null) {
            System.out.print(text);
            System.out.flush();
        } else {
            write(output, text);
        }
        if (failure != null) {
            return Failures.report(failure, top.verbose, System.err);
        }
        return ExitCode.OK.code;
    }

    private static void write(Path file, String text) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            Files.writeString(temp, text, StandardCharsets.UTF_8);
            temp.toFile().setReadable(true, false); // node_exporter runs as another user
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
