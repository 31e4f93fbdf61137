package dev.pgvault.cli;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.async.ArchiverDaemon;
import dev.pgvault.archiver.async.SegmentStamp;
import dev.pgvault.archiver.async.Spool;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * The resident archiver, in the foreground: started by the first archive-push or archive-get
 * that needs it when archive.async is on (no service to install); not a command for users.
 */
@Command(name = "archive-async", hidden = true,
        description = "The resident archiver of archive.async (started by archive-push and archive-get).")
final class ArchiveAsyncCommand implements Callable<Integer> {

    @ParentCommand
    PgvaultCommand top;

    @Override
    public Integer call() throws Exception {
        PgvaultConfig config = top.loadConfig();
        Path file = config.source().toAbsolutePath();
        SegmentStamp loaded = SegmentStamp.of(file.toRealPath());
        Supplier<Optional<String>> changed = () -> {
            try {
                return SegmentStamp.of(file.toRealPath()).equals(loaded) ? Optional.empty()
                        : Optional.of("configuration " + file + " changed");
            } catch (IOException e) {
                return Optional.of("configuration " + file + " cannot be read (" + e.getMessage() + ")");
            }
        };
        try (EncodedStore repo = Repositories.openEncoded(config.repo())) {
            Spool spool = Spool.of(config.archive().spool(), config.stanza(), repo.describe());
            new ArchiverDaemon(repo, new RepositoryLayout(config.stanza()), spool, config.archive().pushMax(),
                    config.archive().getAhead(), config.archive().idleExit(), Clock.systemUTC(),
                    line -> System.out.println(Instant.now() + " pgvault archiver: " + line), changed).run();
        } finally {
            if (changed.get().isPresent()) {
                AsyncArchiving.removePointer(file); // until a call has read the new configuration
            }
        }
        System.out.flush();
        return ExitCode.OK.code;
    }
}
