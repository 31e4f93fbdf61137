package dev.pgvault.cli;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.stream.ReceiveOptions;
import dev.pgvault.archiver.stream.WalReceiver;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.cli.config.ReceiverName;
import dev.pgvault.storage.codec.EncodedStore;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * {@code ha.wal-receive: true}: the agent's own {@code wal-receive}, on a thread beside it,
 * against its node's PostgreSQL. Every node runs one; only the primary's streams (the receiver
 * refuses a standby and asks again every second), so after a failover or a switchover the
 * new primary's receiver takes over without anyone acting, from where the repository ends.
 * Without a slot: the agent manages the cluster's slots, and the WAL a receiver misses while its
 * node is promoted is archive_command's to store.
 */
final class AgentReceiver implements AutoCloseable {
    private static final Duration RETRY = Duration.ofSeconds(10);

    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;

    private AgentReceiver(Thread thread) {
        this.thread = thread;
    }

    static AgentReceiver start(PgvaultConfig config, String memberName, Consumer<String> log) {
        var stream = config.archive().stream();
        // Always the member's own name: one status object per member, whatever archive.stream-name says.
        ReceiveOptions options = new ReceiveOptions(Optional.empty(), false, stream.sync(), stream.flush(),
                ReceiverName.ofAgent(memberName), stream.syncTimeout());
        AgentReceiver[] self = new AgentReceiver[1];
        Thread t = new Thread(() -> self[0].run(config, options, log), "pgvault-wal-receive");
        t.setDaemon(true);
        self[0] = new AgentReceiver(t);
        t.start();
        return self[0];
    }

    private void run(PgvaultConfig config, ReceiveOptions options, Consumer<String> log) {
        Consumer<String> said = line -> log.accept("wal-receive: " + line);
        while (!stop.get()) {
            try (EncodedStore repo = Repositories.openEncoded(config.repo())) {
                RepositoryLayout layout = new RepositoryLayout(config.stanza());
                ClusterIdentity cluster = new StanzaStore(repo, layout).requireIdentity();
                new WalReceiver(config.pg().target(), repo, layout, cluster, options, said).run(stop::get);
            } catch (InterruptedException e) {
                return;
            } catch (Exception | Error e) {
                // A stanza not made yet (a cluster bootstrapping), or what stops a receiver for good
                // (another cluster's server, WAL stored with other bytes): said, and tried again
                // later, as the agent itself never gives up.
                said.accept("stopped: " + Failures.unwrap(e).getMessage() + "; trying again in " + RETRY.toSeconds() + " s");
            }
            try {
                Thread.sleep(RETRY.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Stops the receiver, letting it store what it has received. */
    @Override
    public void close() {
        stop.set(true);
        try {
            thread.join(Duration.ofSeconds(30).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
