package dev.pgvault.cli;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.pg.PgSession;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.storage.codec.EncodedStore;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "init",
        description = {"Register the cluster in the repository under its stanza.",
                "Records its system identifier, PostgreSQL version and WAL segment size. Safe to",
                "repeat; refuses a stanza that belongs to another cluster."})
final class InitCommand implements Callable<Integer> {

    @ParentCommand
    PgvaultCommand top;

    @Override
    public Integer call() throws Exception {
        PgvaultConfig config = top.loadConfig();
        ClusterIdentity cluster;
        try (PgSession pg = PgSession.connect(config.pg().target())) {
            cluster = pg.identity();
        }
        try (EncodedStore repo = Repositories.openEncoded(config.repo())) {
            boolean created = new StanzaStore(repo, new RepositoryLayout(config.stanza())).init(cluster);
            System.out.println((created ? "initialized" : "already initialized") + " stanza '" + config.stanza()
                    + "' in " + repo.describe() + ": system identifier " + cluster.systemIdentifierText()
                    + ", PostgreSQL " + cluster.pgVersionNum() + ", WAL segment size " + cluster.walSegmentSize());
        }
        return ExitCode.OK.code;
    }
}
