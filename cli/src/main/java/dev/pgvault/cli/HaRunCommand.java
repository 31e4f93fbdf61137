package dev.pgvault.cli;

import dev.pgvault.cli.config.ConfigException;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.cli.ha.HaRepository;
import dev.pgvault.cli.ha.HaSupport;
import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.agent.HaAgent;
import dev.pgvault.ha.agent.StartupWarmUp;
import dev.pgvault.ha.agent.SteadyClock;
import dev.pgvault.ha.api.HaApi;
import dev.pgvault.ha.dcs.EtcdDcs;
import dev.pgvault.ha.fence.AgentFence;
import dev.pgvault.ha.fence.FenceFiles;
import dev.pgvault.ha.fence.FenceHeartbeat;
import dev.pgvault.ha.fence.FenceMode;
import dev.pgvault.ha.pg.PgNodeSettings;
import dev.pgvault.ha.pg.PostgresNode;
import dev.pgvault.restore.RecoveryConfig;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "run",
        description = {"The HA agent of this node, in the foreground (for systemd): manages the local",
                "PostgreSQL under the leader lease in etcd, serves the REST API on ha.api, logs one",
                "line per cycle. SIGTERM stops PostgreSQL and hands the leader key over.",
                "Run it as the user PostgreSQL runs as."})
final class HaRunCommand implements Callable<Integer> {

    @ParentCommand
    HaCommand ha;

    @picocli.CommandLine.Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (the default: time, member, message) or json (one object per line: time, member, cluster, message).")
    AgentLog.Format logFormat;

    /** How often the agent reads the repository for /metrics: often enough for alerts counted in minutes. */
    static final java.time.Duration METRICS_PERIOD = java.time.Duration.ofSeconds(30);

    @Override
    public Integer call() throws Exception {
        if ("root".equals(System.getProperty("user.name"))) {
            throw new UserError(ExitCode.USAGE, "ha run: PostgreSQL refuses to run as root; run the agent as the user"
                    + " PostgreSQL runs as (runuser -u postgres -- pgvault ha run)");
        }
        PgvaultConfig config = ha.top.loadConfig();
        HaSettings settings = HaSupport.settings(config, true);
        Path launcher = Launcher.path();
        PgNodeSettings node = nodeSettings(config, settings.name());
        HaRepository repository = new HaRepository(config, () -> openRepository(config), launcher);
        Clock clock = Clock.systemUTC();
        PrintStream out = System.out;
        String who = settings.name();
        CountDownLatch finished = new CountDownLatch(1);
        try (EtcdDcs dcs = HaSupport.connect(settings, settings.requestTimeout())) {
            AgentLog log = new AgentLog(out, logFormat, who, settings.cluster());
            FenceMode mode = config.ha().watchdog();
            AgentFence fence = mode == FenceMode.OFF ? AgentFence.NONE
                    : new FenceHeartbeat(FenceFiles.beside(node.dataDirectory()), () -> FenceProcess.start(config, log), log);
            PostgresNode postgres = new PostgresNode(node, clock);
            StartupWarmUp warmUp = StartupWarmUp.begin(dcs, postgres); // meanwhile, the REST API starts
            HaAgent agent = new HaAgent(settings, dcs, postgres, repository, clock,
                    new SteadyClock(), log, fence, mode == FenceMode.REQUIRED);
            try (RefreshedMetrics stanza = new RefreshedMetrics(() -> MetricsCommand.text(config), METRICS_PERIOD);
                    HaApi api = new HaApi(settings, agent::state, dcs, clock, stanza);
                    AgentReceiver receiver = config.ha().walReceive() ? AgentReceiver.start(config, who, log) : null) {
                log.accept("agent for cluster '"
                        + settings.cluster() + "' on etcd " + settings.etcd() + ", REST API on " + api.address());
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    agent.stop();
                    try {
                        finished.await(); // the JVM would exit as soon as hooks end: let the agent stop PostgreSQL
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "pgvault-ha-shutdown"));
                warmUp.awaitEtcd();
                if (settings.shortLease()) {
                    warnOfAShortLeaseOnManyMembers(settings, dcs, log);
                }
                agent.run();
            }
        } finally {
            finished.countDown();
        }
        return ExitCode.OK.code;
    }

    /**
     * Counts etcd's members beside the agent's first cycles (a rejoin's time is not spent on it)
     * and logs {@link HaSettings#shortLeaseWarning} when there are several. The agent's own
     * cycles report an etcd that does not answer.
     */
    private static void warnOfAShortLeaseOnManyMembers(HaSettings settings, EtcdDcs dcs, AgentLog log) {
        Thread t = new Thread(() -> {
            try {
                settings.shortLeaseWarning(dcs.etcdMembers()).ifPresent(log);
            } catch (dev.pgvault.ha.dcs.DcsException e) {
                log.accept("could not count etcd's members (" + e.getMessage() + "): with a multi-member etcd, use"
                        + " ttl 10 or more (README: The short lease)");
            }
        }, "pgvault-ha-etcd-members");
        t.setDaemon(true);
        t.start();
    }

    /** The node's PostgreSQL as the agent (and its fence) drive it. */
    static PgNodeSettings nodeSettings(PgvaultConfig config, String name) throws ConfigException {
        if (config.pg().data() == null) {
            throw new ConfigException("ha run needs 'pg.data' (the data directory the agent manages) in " + config.source());
        }
        Path configFile = config.source().toAbsolutePath();
        Path launcher = Launcher.path();
        return new PgNodeSettings(config.pg().data(),
                config.pg().bin() == null ? Path.of("/usr/lib/postgresql/15/bin") : config.pg().bin(),
                name, config.pg().host(), config.pg().port(), null, config.pg().target(),
                config.pg().parameters(), RecoveryConfig.archiveCommand(launcher, configFile),
                RecoveryConfig.restoreCommand(launcher, configFile),
                config.pg().data().resolveSibling(config.pg().data().getFileName() + ".log"), List.of());
    }

    private static EncodedStore openRepository(PgvaultConfig config) {
        try {
            return Repositories.openEncoded(config.repo());
        } catch (ConfigException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
