package dev.pgvault.cli;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.restore.RecoveryConfig;
import dev.pgvault.restore.Restore;
import dev.pgvault.restore.RestoreResult;
import dev.pgvault.restore.ShellWord;
import dev.pgvault.restore.replica.ConnInfo;
import dev.pgvault.restore.replica.JdbcPrimary;
import dev.pgvault.restore.replica.PgCtl;
import dev.pgvault.restore.replica.ReplicaBootstrap;
import dev.pgvault.restore.replica.ServerControl;
import dev.pgvault.restore.replica.ReplicaRequest;
import dev.pgvault.restore.replica.ReplicaResult;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "create",
        description = {"Build a standby from the repository: restore the newest backup",
                "(or --backup ID) into an empty directory, set up to replay the archive and",
                "then stream from the primary: standby.signal, primary_conninfo,",
                "primary_slot_name, restore_command, recovery_target_timeline = 'latest'.",
                "A password in the connection string goes into DIR/pgvault.pgpass (mode",
                "0600), named by passfile=, never into postgresql.auto.conf.",
                "Run it as the user PostgreSQL runs as."})
final class ReplicaCreateCommand implements Callable<Integer> {

    @ParentCommand
    ReplicaCommand replica;

    @Option(names = "--pgdata", paramLabel = "DIR", required = true,
            description = "The standby's data directory: a missing or empty directory.")
    Path pgdata;

    @Option(names = "--primary-conninfo", paramLabel = "CONNINFO", required = true,
            description = "How the standby reaches the primary, in libpq syntax: 'host=... port=... user=...'.")
    String conninfo;

    @Option(names = "--slot", paramLabel = "NAME", description = "Stream through this physical replication slot on the primary.")
    String slot;

    @Option(names = "--create-slot",
            description = "Create the slot on the primary first (an existing physical slot not in use is reused).")
    boolean createSlot;

    @Option(names = "--backup", paramLabel = "ID", description = "The backup to restore (default: the newest).")
    String backup;

    @Option(names = "--port", paramLabel = "PORT", description = "The standby's port (default: the primary's, from the backup).")
    Integer port;

    @Option(names = "--delta", description = {"Restore into an existing, stopped data directory (a standby to reseed),",
            "rewriting only what differs from the backup; refused while a postmaster runs in it."})
    boolean delta;

    @Option(names = "--trust-times", description = {"With --delta: judge a file the last restore into the directory left",
            "untouched by its size and times instead of reading it, as restore --delta --trust-times."})
    boolean trustTimes;

    @Option(names = "--start", description = "Start PostgreSQL and wait until it accepts connections.")
    boolean start;

    @Option(names = "--start-timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "With --start: how long to wait (default: ${DEFAULT-VALUE}).")
    long startTimeout;

    @picocli.CommandLine.Mixin
    TablespaceMapOptions tablespaces;

    @picocli.CommandLine.Mixin
    ProgressOption progress;

    @Override
    public Integer call() throws Exception {
        if (start && "root".equals(System.getProperty("user.name"))) {
            throw new UserError(ExitCode.USAGE, "--start: PostgreSQL refuses to run as root; run replica create as the user"
                    + " PostgreSQL runs as (runuser -u postgres -- pgvault ...), or leave out --start");
        }
        Seconds.positive(startTimeout, "--start-timeout");
        if (trustTimes && !delta) {
            throw new UserError(ExitCode.USAGE, "--trust-times is for a delta restore: give --delta too");
        }
        // the arguments are checked (exit 2) before the configuration is read
        ReplicaRequest request = new ReplicaRequest(pgdata, backup, ConnInfo.parse(conninfo), slot, createSlot, null, port,
                start ? Duration.ofSeconds(startTimeout) : null, delta, tablespaces.remap());
        PgvaultConfig config = replica.top.loadConfig();
        request = new ReplicaRequest(request.pgdata(), request.backupId(), request.primary(), request.slot(),
                request.createSlot(), RecoveryConfig.restoreCommand(Launcher.path(), config.source().toAbsolutePath()),
                request.port(), request.startTimeout(), request.delta(), request.tablespaces(), config.pg().data(), trustTimes);
        ReplicaResult r;
        try (EncodedStore repo = Repositories.openEncoded(config.repo())) {
            PgCtl pgCtl = new PgCtl(config.pg().bin());
            ProgressOption.AutoCloseableProgress line = progress.open("replica create", System.err, replica.top.verbose);
            ServerControl start = (dir, log, timeout) -> {
                line.close(); // the copy is done: the line ends before the start's wait
                AsyncArchiving.warmForRecovery(config, repo, dir);
                pgCtl.start(dir, log, timeout);
            };
            try (line) {
                Restore restore = new Restore(repo, new RepositoryLayout(config.stanza()), config.processMax(), Clock.systemUTC(),
                        line.progress());
                r = new ReplicaBootstrap(restore, JdbcPrimary::connect, start).create(request);
            }
            if (request.startTimeout() == null) {
                AsyncArchiving.warmForRecovery(config, repo, r.restore().pgdata()); // for the start to come
            }
        }
        report(r, config, System.out, System.err);
        return ExitCode.OK.code;
    }

    static void report(ReplicaResult r, PgvaultConfig config, PrintStream out, PrintStream err) {
        RestoreResult restored = r.restore();
        out.printf(Locale.ROOT, "restored backup %s into %s: %d files, %.1f MB in %.2f s%n", restored.backupId(),
                restored.pgdata(), restored.files(), restored.bytes() / 1e6, restored.elapsed().toNanos() / 1e9);
        if (restored.delta() != null) {
            out.println(RestoreCommand.deltaLine(restored.delta()));
        }
        out.println("standby: replays archived WAL, then streams from " + r.primaryConninfo());
        switch (r.slotOutcome()) {
            case CREATED -> out.println("slot: " + r.slot() + ", created on the primary");
            case REUSED -> out.println("slot: " + r.slot() + ", already on the primary (physical, not in use): reused");
            case NAMED -> out.println("slot: " + r.slot() + " (not checked: it must exist on the primary)");
            case NONE -> out.println("slot: none (the primary may recycle WAL the standby still needs; the archive holds it)");
        }
        if (r.passfile() != null) {
            out.println("password: in " + r.passfile() + " (mode 0600), named by passfile= in primary_conninfo");
        }
        if (r.serverLog() != null) {
            out.println("started: PostgreSQL accepts connections (log: " + r.serverLog() + ")");
        } else {
            String pgCtl = config.pg().bin() == null ? "pg_ctl" : config.pg().bin().resolve("pg_ctl").toString();
            out.println("start it with: " + ShellWord.quote(pgCtl) + " -D " + ShellWord.quote(restored.pgdata().toString()) + " start");
            if ("root".equals(System.getProperty("user.name"))) {
                err.println("pgvault: warning: restored as root, who owns the files: PostgreSQL refuses to run as root;"
                        + " give them to its user (chown -R) or create the replica as that user");
            }
        }
    }
}
