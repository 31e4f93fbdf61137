package dev.pgvault.cli;

import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.Consumer;

/**
 * The HA agent's log lines, one per cycle: {@code 2026-12-04T10:00:00.123Z node1 leader: ...} as
 * text, or with {@code --log-format json} one JSON object per line for a log shipper:
 * {@code {"time":"...","member":"node1","cluster":"demo","message":"..."}}.
 */
final class AgentLog implements Consumer<String> {
    enum Format { text, json }

    private final PrintStream out;
    private final Format format;
    private final String member;
    private final String cluster;

    AgentLog(PrintStream out, Format format, String member, String cluster) {
        this.out = out;
        this.format = format;
        this.member = member;
        this.cluster = cluster;
    }

    @Override
    public void accept(String message) {
        out.println(line(Instant.now(), message));
    }

    String line(Instant at, String message) {
        String time = at.truncatedTo(ChronoUnit.MILLIS).toString();
        if (format == Format.text) {
            return time + " " + member + " " + message;
        }
        return "{\"time\":" + quote(time) + ",\"member\":" + quote(member) + ",\"cluster\":" + quote(cluster)
                + ",\"message\":" + quote(message) + "}";
    }

    /** A JSON string: quotes, backslashes and control characters escaped (RFC 8259). */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
