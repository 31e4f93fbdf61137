package dev.pgvault.cli;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Under jetcd, gRPC and Netty log through java.util.logging to stderr (at INFO: "Epoll available
 * during static init of TcpMetrics") and jetcd itself through slf4j (at WARN: "retry failure ...")
 * around the one line a command prints about etcd being unreachable. Unless {@code --verbose},
 * only gRPC's and Netty's warnings and jetcd's errors are shown.
 */
final class ThirdPartyLogging {
    /** Held: java.util.logging keeps loggers weakly, and a collected one forgets its level. */
    private static final Logger[] QUIETED = {Logger.getLogger("io.grpc"), Logger.getLogger("io.netty"),
            Logger.getLogger("io.etcd")};

    private ThirdPartyLogging() {}

    /** Before any slf4j logger exists: slf4j-simple reads its levels once. */
    static void quietUnless(boolean verbose) {
        if (!verbose && System.getProperty("org.slf4j.simpleLogger.log.io.etcd") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.io.etcd", "error");
        }
        for (Logger l : QUIETED) {
            l.setLevel(verbose ? null : Level.WARNING);
        }
    }
}
