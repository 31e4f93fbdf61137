package dev.pgvault.ha.pg;

import java.util.List;

/** Picks, from what PostgreSQL or one of its programs printed, the line that says why it failed. */
final class ErrorLine {
    private ErrorLine() {}

    /** The last line marked as an error, else the last line; null when there is no line at all. */
    static String in(String text) {
        String marked = marked(text);
        if (marked != null) {
            return marked;
        }
        List<String> lines = lines(text);
        return lines.isEmpty() ? null : lines.get(lines.size() - 1);
    }

    /**
     * The last line marked as an error ({@code FATAL:  ...}, {@code PANIC:  ...},
     * {@code pg_rewind: error: ...}), or null.
     */
    static String marked(String text) {
        List<String> lines = lines(text);
        for (int i = lines.size() - 1; i >= 0; i--) {
            String l = lines.get(i);
            if (l.contains("FATAL") || l.contains("PANIC") || l.contains("error:")) {
                return l;
            }
        }
        return null;
    }

    private static List<String> lines(String text) {
        return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }
}
