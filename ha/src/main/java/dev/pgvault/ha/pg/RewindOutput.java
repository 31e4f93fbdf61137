package dev.pgvault.ha.pg;

import java.util.regex.Pattern;

/** What pg_rewind's output says about how far it got. */
final class RewindOutput {
    /** libpq's words for a connection that was never made (PostgreSQL 14 and later; and before). */
    private static final Pattern NOT_CONNECTED =
            Pattern.compile("connection to server (at|on socket) .* failed:|could not connect to server");

    private RewindOutput() {}

    /**
     * pg_rewind stopped at its first step, connecting to the source, so nothing in the target was
     * changed. Judged by the line pg_rewind gave up with, and only while nothing in the output
     * says it went further: a connection lost half-way reads "connection to server was lost",
     * and other lines (restore_command's, say) may mention connections too.
     */
    static boolean sourceNotConnected(String output) {
        if (output.contains("servers diverged") || output.contains("rewinding from last common checkpoint")
                || output.contains("no rewind required")) {
            return false;
        }
        String reason = ErrorLine.marked(output);
        return reason != null && reason.contains("pg_rewind: error:") && NOT_CONNECTED.matcher(reason).find();
    }
}
