package dev.pgvault.cli;

import dev.pgvault.cli.config.ConfigLoader;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.cli.ha.HaSupport;
import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.dcs.EtcdDcs;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The first etcd request of an agent's JVM, made while picocli parses the command line. A fresh
 * JVM's first request costs 0.4-0.8 s here (the etcd client's gRPC stack starting, interpreted);
 * a second client's first request in the same JVM, some 20 ms. An agent's start is on the path of
 * a rejoin and of a bootstrap, and picocli takes 0.3 s of it before the command runs: so, for
 * {@code [--config FILE] [--verbose] ha run ...} only (neither option again after {@code run}, and
 * the configuration a plain file), a thread reads the configuration, makes
 * that request with a client of its own and closes it. The command then does everything itself,
 * as if this had not run: a configuration it refuses, or an etcd that does not answer, is its own
 * to report, and this thread says nothing.
 */
final class AgentEarlyStart {
    /** Past this the thread gives up: the agent's own client is then long at work. */
    private static final Duration LIMIT = Duration.ofSeconds(2);

    private AgentEarlyStart() {}

    static void beginIfAgent(String[] args, Map<String, String> env) {
        Optional<Invocation> agent = agentInvocation(args, env);
        if (agent.isEmpty()) {
            return;
        }
        Thread t = new Thread(() -> warm(agent.get()), "pgvault-early-etcd");
        t.setDaemon(true);
        t.start();
    }

    /** The configuration file and {@code --verbose} of {@code [--config FILE] [--verbose] ha run ...}. */
    record Invocation(Path config, boolean verbose) {}

    /** Empty for every other command line, and for one picocli will refuse. */
    static Optional<Invocation> agentInvocation(String[] args, Map<String, String> env) {
        Path config = null;
        boolean verbose = false;
        int i = 0;
        for (; i < args.length; i++) {
            String a = args[i];
            try {
                if (a.equals("--config") && i + 1 < args.length) {
                    config = Path.of(args[++i]);
                } else if (a.startsWith("--config=")) {
                    config = Path.of(a.substring("--config=".length()));
                } else if (a.equals("--verbose")) {
                    verbose = true;
                } else {
                    break;
                }
            } catch (InvalidPathException e) {
                return Optional.empty(); // picocli says what is wrong with it
            }
        }
        if (i + 1 >= args.length || !args[i].equals("ha") || !args[i + 1].equals("run")) {
            return Optional.empty();
        }
        for (int j = i + 2; j < args.length; j++) {
            if (args[j].equals("--verbose") || args[j].startsWith("--config")) {
                return Optional.empty(); // given again after the command (picocli takes them there too): left to it
            }
        }
        Path file = ConfigLoader.locate(config, env);
        // read twice, once here: only a plain file (a pipe, /dev/stdin, would be read empty by the command)
        return Files.isRegularFile(file) ? Optional.of(new Invocation(file, verbose)) : Optional.empty();
    }

    private static void warm(Invocation agent) {
        try {
            // before any of the etcd client's loggers exists, as the command itself does
            ThirdPartyLogging.quietUnless(agent.verbose());
            PgvaultConfig config = ConfigLoader.load(agent.config());
            HaSettings settings = HaSupport.settings(config, false);
            try (EtcdDcs dcs = HaSupport.connect(settings, LIMIT)) {
                dcs.warmUp(LIMIT);
            }
        } catch (Exception | LinkageError e) {
            // the command reads the same configuration and reaches the same etcd, and says what is wrong
        }
    }
}
