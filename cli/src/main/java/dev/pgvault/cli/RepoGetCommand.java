package dev.pgvault.cli;

import dev.pgvault.cli.config.RepoSettings;
import dev.pgvault.storage.BlobStore;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.InputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "repo-get", description = "Write an object's decoded bytes (checksum verified) to stdout.")
final class RepoGetCommand implements Callable<Integer> {

    @ParentCommand
    PgvaultCommand top;

    @Parameters(paramLabel = "KEY", description = "The object's key, as repo-ls prints it.")
    String key;

    @Option(names = "--raw", description = "The stored bytes as they are: compressed and encrypted.")
    boolean raw;

    @Override
    public Integer call() throws Exception {
        RepoSettings repo = top.loadConfig().repo();
        try (BlobStore store = Repositories.open(repo);
                InputStream in = raw ? store.get(key) : new EncodedStore(store, Repositories.codec(repo)).get(key)) {
            in.transferTo(System.out);
        }
        System.out.flush();
        return ExitCode.OK.code;
    }
}
