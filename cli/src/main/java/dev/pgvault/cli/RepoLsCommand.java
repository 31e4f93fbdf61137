package dev.pgvault.cli;

import dev.pgvault.storage.BlobInfo;
import dev.pgvault.storage.BlobStore;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "repo-ls", description = "List the objects in the repository, with their stored sizes.")
final class RepoLsCommand implements Callable<Integer> {

    @ParentCommand
    PgvaultCommand top;

    @Parameters(arity = "0..1", paramLabel = "PREFIX", description = "Only keys starting with PREFIX (e.g. main/wal/).")
    String prefix = "";

    @Override
    public Integer call() throws Exception {
        try (BlobStore store = Repositories.open(top.loadConfig().repo());
                Stream<BlobInfo> blobs = store.list(prefix)) {
            // Sorted for people; listing itself is unordered and lazy.
            blobs.sorted(Comparator.comparing(BlobInfo::key))
                    .forEach(b -> System.out.printf("%12d  %s%n", b.size(), b.key()));
        }
        return ExitCode.OK.code;
    }
}
