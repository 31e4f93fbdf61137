package dev.pgvault.cli;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.async.ArchiverState;
import dev.pgvault.archiver.async.Spool;
import dev.pgvault.archiver.backup.StanzaInfo;
import dev.pgvault.archiver.backup.StanzaInfoJson;
import dev.pgvault.archiver.stream.ReceiverStatus;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.storage.codec.EncodedStore;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "info",
        description = {"Show the stanza's backups, its archived WAL and the recoverable window.",
                "Reads only the repository: runs on any host with the configuration."})
final class InfoCommand implements Callable<Integer> {

    enum Output { text, json }

    @ParentCommand
    PgvaultCommand top;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (a table for people, the default) or json (for scripts).")
    Output output;

    @Override
    public Integer call() throws Exception {
        PgvaultConfig config = top.loadConfig();
        StanzaInfo info;
        ArchiverState archiver = ArchiverState.OFF;
        List<ReceiverStatus> receivers;
        try (EncodedStore repo = Repositories.openEncoded(config.repo())) {
            info = StanzaInfo.read(repo, new RepositoryLayout(config.stanza()));
            receivers = ReceiverStatus.readAll(repo, new RepositoryLayout(config.stanza()));
            if (config.archive().async()) {
                archiver = ArchiverState.read(Spool.of(config.archive().spool(), config.stanza(), repo.describe()));
            }
        }
        if (output == Output.json) {
            StanzaInfoJson.write(info, config.retention().policy(), archiver, receivers, System.out);
        } else {
            System.out.print(InfoTable.render(info, config.retention().policy(), archiver, receivers));
        }
        System.out.flush();
        return ExitCode.OK.code;
    }
}
