package dev.pgvault.cli;

import dev.pgvault.storage.Progress;
import java.io.PrintStream;
import picocli.CommandLine.Option;

/**
 * {@code --progress} / {@code --no-progress}, shared by the long commands: by default a progress
 * line is drawn only when the command runs at a terminal (stdin and stdout both), never into a
 * log file, a pipe or cron's mail.
 */
final class ProgressOption {
    @Option(names = "--progress", negatable = true,
            description = "Draw a progress line on stderr (bytes, rate, files, time left): by default only at a terminal.")
    Boolean progress;

    /**
     * The progress line for {@code what}, or a listener that draws nothing; close it before
     * printing results (closing twice is harmless). {@code verbose}: the step lines would break
     * the line, so it is drawn then only when asked for.
     */
    AutoCloseableProgress open(String what, PrintStream err, boolean verbose) {
        return open(what, "files", err, verbose);
    }

    /** As {@link #open(String, PrintStream, boolean)}, counting {@code units} (objects, for verify). */
    AutoCloseableProgress open(String what, String units, PrintStream err, boolean verbose) {
        boolean draw = progress != null ? progress : System.console() != null && !verbose;
        if (!draw) {
            return new AutoCloseableProgress(Progress.NONE, () -> { });
        }
        TerminalProgress t = new TerminalProgress(what, units, err);
        java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
        return new AutoCloseableProgress(t, () -> {
            if (ended.compareAndSet(false, true)) {
                t.close();
            }
        });
    }

    /** A progress listener with the way to end its line. */
    record AutoCloseableProgress(Progress progress, Runnable end) implements AutoCloseable {
        @Override
        public void close() {
            end.run();
        }
    }
}
