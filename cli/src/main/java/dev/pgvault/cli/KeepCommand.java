package dev.pgvault.cli;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.backup.BackupPins;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.storage.codec.EncodedStore;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "keep",
        description = {"Pin a backup: no retention rule removes it, and the WAL from its start to its stop stays, so it",
                "always restores to its end (the WAL after it may go). --release unpins it."})
final class KeepCommand implements Callable<Integer> {

    @ParentCommand
    PgvaultCommand top;

    @Option(names = "--release", description = "Unpin the backup: retention applies to it again.")
    boolean release;

    @Parameters(index = "0", paramLabel = "ID", description = "The backup id, as 'pgvault info' shows it.")
    String id;

    @Override
    public Integer call() throws Exception {
        PgvaultConfig config = top.loadConfig();
        try (EncodedStore repo = Repositories.openEncoded(config.repo())) {
            BackupPins pins = new BackupPins(repo, new RepositoryLayout(config.stanza()));
            if (release) {
                System.out.println(pins.release(id) ? "released backup " + id + ": retention applies to it again"
                        : "backup " + id + " was not pinned; nothing to do");
            } else {
                System.out.println(pins.pin(id, CommandClock.get().instant())
                        ? "pinned backup " + id + ": no retention rule removes it" : "backup " + id + " was already pinned");
            }
        }
        return ExitCode.OK.code;
    }
}
