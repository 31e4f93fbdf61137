package dev.pgvault.cli;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.stream.ReceiveOptions;
import dev.pgvault.archiver.stream.WalReceiver;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.cli.config.ReceiverName;
import dev.pgvault.storage.codec.EncodedStore;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "wal-receive",
        description = {"Stream WAL from PostgreSQL into the repository as it is written, in the foreground",
                "(for systemd): a recovery point of about archive.stream-flush seconds, or none lost",
                "with --synchronous and the receiver named in synchronous_standby_names.",
                "Connects to pg.* as a physical replication client (application_name: archive.stream-name,",
                "else pgvault-<ha.name>, else pgvault). Complete segments are stored as archive-push stores them;",
                "the segment in progress as <segment>.stream, which archive-get serves, padded, when",
                "the complete segment never arrived. SIGTERM stores what was received, then exits."})
final class WalReceiveCommand implements Callable<Integer> {

    @ParentCommand
    PgvaultCommand top;

    @Option(names = "--slot", paramLabel = "NAME",
            description = "Stream through this physical replication slot: the primary keeps WAL until it is in the repository.")
    String slot;

    @Option(names = "--create-slot", description = "Create the slot when it does not exist.")
    boolean createSlot;

    @Option(names = "--synchronous",
            description = "Store every chunk before reporting it flushed (also archive.stream-sync: true).")
    boolean synchronous;

    @Override
    public Integer call() throws Exception {
        if (createSlot && slot == null) {
            throw new UserError(ExitCode.USAGE, "wal-receive: --create-slot needs --slot NAME");
        }
        PgvaultConfig config = top.loadConfig();
        var stream = config.archive().stream();
        String name = ReceiverName.ofCommand(config);
        ReceiveOptions options = new ReceiveOptions(Optional.ofNullable(slot), createSlot, synchronous || stream.sync(),
                stream.flush(), name, stream.syncTimeout());
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch finished = new CountDownLatch(1);
        try (EncodedStore repo = Repositories.openEncoded(config.repo())) {
            RepositoryLayout layout = new RepositoryLayout(config.stanza());
            ClusterIdentity cluster = new StanzaStore(repo, layout).requireIdentity();
            WalReceiver receiver = new WalReceiver(config.pg().target(), repo, layout, cluster, options,
                    line -> System.out.println(Instant.now() + " wal-receive: " + line));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stop.set(true);
                try {
                    finished.await(); // let the receiver store what it has before the JVM exits
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "pgvault-wal-receive-shutdown"));
            System.out.println(Instant.now() + " wal-receive: stanza '" + config.stanza() + "' in " + repo.describe()
                    + (options.synchronous() ? ", synchronous" : ", storing the segment in progress every "
                            + options.flushInterval().toSeconds() + " s") + ", as application_name " + name);
            receiver.run(stop::get);
        } finally {
            finished.countDown();
        }
        return ExitCode.OK.code;
    }
}
