package dev.pgvault.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "archive-get",
        description = {"Fetch a WAL file from the repository: PostgreSQL's restore_command.",
                "  restore_command = '/path/to/pgvault --config FILE archive-get %%f %%p'",
                "Writes the checksum-verified file atomically. Exits 1 when the repository lacks it."})
final class ArchiveGetCommand implements Callable<Integer> {

    @ParentCommand
    PgvaultCommand top;

    @Parameters(index = "0", paramLabel = "NAME", description = "The WAL file name (%%f), without a path.")
    String name;

    @Parameters(index = "1", paramLabel = "DEST", description = "Where to write it (%%p).")
    String dest;

    @Override
    public Integer call() throws Exception {
        try {
            return WalCommands.get(top.loadConfig(), name, dest, System.err);
        } catch (Exception | Error e) {
            return Failures.forRestoreCommand(Failures.report(e, top.verbose, System.err));
        }
    }
}
