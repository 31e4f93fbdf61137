package dev.pgvault.cli;

import java.io.PrintStream;

/**
 * The process entry point. Answers what it can without loading picocli (its class loading costs
 * ~130 ms a call, and PostgreSQL's archive_command starts one process per WAL segment), and
 * hands everything else to {@link PgvaultCommand}.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        int code;
        try {
            code = run(args, System.out, System.err);
        } catch (Throwable t) {
            // Never the JVM's default exit 1: for archive-get that means "not found".
            System.err.println("pgvault: internal error: " + t);
            code = java.util.List.of(args).contains("archive-get") ? ExitCode.RESTORE_ABORT.code : ExitCode.INTERNAL.code;
        }
        System.out.flush();
        System.exit(code);
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            out.println("pgvault " + Version.get());
            return ExitCode.OK.code;
        }
        NativeLibraries.preferUnpacked();
        int fast = FastPath.tryRun(args, out, err);
        if (fast >= 0) {
            return fast;
        }
        AgentEarlyStart.beginIfAgent(args, System.getenv());
        return PgvaultCommand.execute(args, out, err);
    }
}
