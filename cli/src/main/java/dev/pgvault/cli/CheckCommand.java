package dev.pgvault.cli;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaMismatchException;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.archiver.pg.PgSession;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.codec.EncodedStore;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "check",
        description = {"Check that WAL archiving really works.",
                "Checks the configuration, the connection, the repository (read and write),",
                "archive_mode and archive_command, then switches the WAL segment and waits until",
                "PostgreSQL has archived it into the repository."})
final class CheckCommand implements Callable<Integer> {

    @ParentCommand
    PgvaultCommand top;

    @Option(names = "--archive-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long to wait for the switched segment to reach the repository (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        Seconds.positive(timeoutSeconds, "--archive-timeout");
        PgvaultConfig config = top.loadConfig();
        say("configuration " + config.source() + ": ok");
        RepositoryLayout layout = new RepositoryLayout(config.stanza());
        try (PgSession pg = PgSession.connect(config.pg().target());
                EncodedStore repo = Repositories.openEncoded(config.repo())) {
            ClusterIdentity cluster = pg.identity();
            say("PostgreSQL " + config.pg().target() + ": ok, system identifier " + cluster.systemIdentifierText());

            String probe = config.stanza() + "/check/" + UUID.randomUUID();
            repo.put(probe, BlobWriter.of(new byte[] {1}));
            repo.blobs().delete(probe);
            say("repository " + repo.describe() + ": writable");

            ClusterIdentity stanza = new StanzaStore(repo, layout).requireIdentity();
            if (!stanza.sameClusterAs(cluster)) {
                throw new StanzaMismatchException("stanza '" + config.stanza() + "' belongs to system identifier "
                        + stanza.systemIdentifierText() + ", not to this cluster (" + cluster.systemIdentifierText() + ")");
            }
            say("stanza '" + config.stanza() + "': belongs to this cluster");

            String mode = pg.setting("archive_mode");
            if (mode.equals("off")) {
                throw new UserError(ExitCode.POSTGRES, "archive_mode is off: set archive_mode = on and restart PostgreSQL");
            }
            String command = pg.setting("archive_command");
            if (!command.contains("pgvault") || !command.contains("archive-push")) {
                throw new UserError(ExitCode.POSTGRES, "archive_command does not call pgvault archive-push (it is '"
                        + command + "'): set archive_command = '<path>/pgvault --config " + config.source()
                        + " archive-push %p'");
            }
            say("archive_mode = " + mode + ", archive_command calls pgvault: ok");

            String segment = pg.switchWal();
            String key = layout.walKey(WalFileName.parse(segment));
            say("switched WAL: waiting up to " + timeoutSeconds + " s for " + segment + " in the repository");
            long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
            while (repo.blobs().stat(key).isEmpty()) {
                if (System.nanoTime() > deadline) {
                    String failure = pg.lastArchiveFailure();
                    throw new UserError(ExitCode.POSTGRES, segment + " did not reach the repository within "
                            + timeoutSeconds + " s" + (failure == null ? "" : "; PostgreSQL's last failed archive: "
                            + failure + " (see the server log)"));
                }
                Thread.sleep(200);
            }
            say("WAL archiving: ok (" + segment + " is in the repository)");
        }
        return ExitCode.OK.code;
    }

    private static void say(String line) {
        System.out.println(line);
    }
}
