package dev.pgvault.cli;

/**
 * An error message as the one line a user, a log collector or PostgreSQL's server log reads:
 * control characters and line separators that an echoed argument or value carries are shown
 * escaped (a newline in a message would split it, and a carriage return hides what came
 * before), and a message longer than {@link #MAX} characters is cut, saying how much was left out.
 */
final class OneLine {
    static final int MAX = 2000;

    private OneLine() {}

    static String of(String message) {
        String s = String.valueOf(message).strip();
        StringBuilder out = new StringBuilder(Math.min(s.length(), MAX) + 40);
        int i = 0;
        for (; i < s.length() && out.length() < MAX; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        if (i < s.length()) {
            out.append("... (").append(s.length() - i).append(" more characters)");
        }
        return out.toString();
    }
}
