package dev.pgvault.cli;

import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.cli.config.ConfigLoader;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Runs archive-push and archive-get without picocli: PostgreSQL starts one pgvault process per
 * WAL segment, and picocli's start-up alone costs more than the rest of a push. Accepts only the
 * plain forms PostgreSQL's hooks use; anything else (help, unknown options) returns -1 and goes
 * to picocli, which parses the same commands.
 */
final class FastPath {
    private FastPath() {}

    static int tryRun(String[] args, PrintStream out, PrintStream err) {
        Path config = null;
        boolean verbose = false;
        int i = 0;
        for (; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--config") && i + 1 < args.length || a.startsWith("--config=")) {
                config = pathOrNull(a.equals("--config") ? args[++i] : a.substring("--config=".length()));
                if (config == null) {
                    return -1; // an unusable path: picocli says what is wrong with it
                }
            } else if (a.equals("--verbose")) {
                verbose = true;
            } else {
                break;
            }
        }
        int rest = args.length - i;
        if (rest == 0 || !(args[i].equals("archive-push") && rest == 2 || args[i].equals("archive-get") && rest == 3)) {
            return -1;
        }
        for (int j = i + 1; j < args.length; j++) {
            if (args[j].startsWith("-")) {
                return -1;
            }
        }
        try {
            // The name first: it is what is wrong more often than the configuration.
            WalFileName.parse(args[i].equals("archive-push")
                    ? String.valueOf(Path.of(args[i + 1]).getFileName()) : args[i + 1]);
            var cfg = ConfigLoader.load(ConfigLoader.locate(config, System.getenv()));
            return args[i].equals("archive-push")
                    ? WalCommands.push(cfg, args[i + 1], err)
                    : WalCommands.get(cfg, args[i + 1], args[i + 2], err);
        } catch (Exception | Error e) {
            int code = Failures.report(e, verbose, err);
            return args[i].equals("archive-get") ? Failures.forRestoreCommand(code) : code;
        }
    }

    private static Path pathOrNull(String text) {
        try {
            return Path.of(text);
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }
}
