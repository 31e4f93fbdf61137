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
                "repeat; refuses a stanza that belongs to another cluster. In an encrypted repository,",
                "gives the stanza a random key-derivation salt (again when repo.cipher-kdf-iterations",
                "is raised, or for a stanza made before per-stanza salts)."})
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
            StanzaStore stanza = new StanzaStore(repo, new RepositoryLayout(config.stanza()));
            boolean created = stanza.init(cluster);
            System.out.println((created ? "initialized" : "already initialized") + " stanza '" + config.stanza()
                    + "' in " + repo.describe() + ": system identifier " + cluster.systemIdentifierText()
                    + ", PostgreSQL " + cluster.pgVersionNum() + ", WAL segment size " + cluster.walSegmentSize());
            if (!created) {
                stanza.renewKdf().ifPresent(kdf -> System.out.println("new objects are encrypted with a key derived by "
                        + kdf + " (objects written before keep theirs and stay readable)"));
            }
        }
        return ExitCode.OK.code;
    }
}
