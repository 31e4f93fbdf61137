package dev.pgvault.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "archive-push",
        description = {"Store a WAL file in the repository: PostgreSQL's archive_command.",
                "  archive_command = '/path/to/pgvault --config FILE archive-push %%p'",
                "Exits 0 only once the file is durable. The same file pushed twice is a success;",
                "different content under a stored name is refused (exit 7), the stored file untouched."})
final class ArchivePushCommand implements Callable<Integer> {

    @ParentCommand
    PgvaultCommand top;

    @Parameters(paramLabel = "PATH", description = "The WAL file (%%p): a segment, .history, .backup or .partial file.")
    String path;

    @Override
    public Integer call() throws Exception {
        return WalCommands.push(top.loadConfig(), path, System.err);
    }
}
