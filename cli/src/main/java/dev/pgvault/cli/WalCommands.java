package dev.pgvault.cli;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.WalArchive;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.cli.config.ConfigException;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * archive-push and archive-get, shared by the picocli commands and the launcher's fast path
 * ({@link FastPath}), which runs them without loading picocli.
 */
final class WalCommands {
    private WalCommands() {}

    static int push(PgvaultConfig config, String file, PrintStream err) throws IOException, ConfigException {
        Path path = Path.of(file);
        WalFileName.parse(path.getFileName().toString()); // a bad name is refused before any I/O
        if (!Files.isRegularFile(path)) {
            throw new UserError(ExitCode.USAGE, "archive-push: " + file + " is not a file");
        }
        try (EncodedStore repo = Repositories.openEncoded(config.repo())) {
            WalArchive archive = archive(config, repo);
            if (archive.push(path) == WalArchive.PushOutcome.ALREADY_STORED) {
                err.println("pgvault: warning: " + path.getFileName()
                        + " is already archived with the same content; nothing to do");
            }
        }
        return ExitCode.OK.code;
    }

    static int get(PgvaultConfig config, String name, String dest, PrintStream err) throws IOException, ConfigException {
        WalFileName wal = WalFileName.parse(name);
        try (EncodedStore repo = Repositories.openEncoded(config.repo())) {
            if (!archive(config, repo).get(wal, Path.of(dest))) {
                // PostgreSQL asks for files that do not exist as a normal part of recovery.
                err.println("pgvault: " + name + " is not in the archive");
                return ExitCode.NOT_FOUND.code;
            }
        }
        return ExitCode.OK.code;
    }

    private static WalArchive archive(PgvaultConfig config, EncodedStore repo) throws IOException {
        RepositoryLayout layout = new RepositoryLayout(config.stanza());
        ClusterIdentity cluster = new StanzaStore(repo, layout).requireIdentity();
        return new WalArchive(repo, layout, cluster);
    }
}
