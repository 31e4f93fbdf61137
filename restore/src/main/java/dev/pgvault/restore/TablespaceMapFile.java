package dev.pgvault.restore;

import java.nio.file.Path;
import java.util.Map;

/**
 * PostgreSQL's {@code tablespace_map}: a line per tablespace, its OID, a space, and its location,
 * in which a backslash escapes the next character (PostgreSQL writes one before a line break or a
 * backslash in a location). Read at the start of recovery, it says where {@code pg_tblspc}'s
 * links point.
 */
final class TablespaceMapFile {
    private TablespaceMapFile() {}

    /**
     * {@code map} with the tablespaces of {@code moved} at their new locations, every other line
     * as it was; null when {@code map} is.
     */
    static String rewrite(String map, Map<String, Path> moved) {
        if (map == null || moved.isEmpty()) {
            return map;
        }
        StringBuilder out = new StringBuilder();
        int lineStart = 0;
        boolean escaped = false;
        for (int i = 0; i < map.length(); i++) {
            char c = map.charAt(i);
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '\n' || c == '\r') {
                out.append(line(map.substring(lineStart, i), moved)).append(c);
                lineStart = i + 1;
            }
        }
        if (lineStart < map.length()) {
            out.append(line(map.substring(lineStart), moved));
        }
        return out.toString();
    }

    /** Each tablespace's location by its OID, unescaped; lines without a space are left out. */
    static Map<String, String> locations(String map) {
        Map<String, String> out = new java.util.HashMap<>();
        StringBuilder line = new StringBuilder();
        boolean escaped = false;
        for (int i = 0; i <= map.length(); i++) {
            char c = i < map.length() ? map.charAt(i) : '\n';
            if (escaped) {
                line.append(c);
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '\n' || c == '\r') {
                int space = line.indexOf(" ");
                if (space > 0) {
                    out.put(line.substring(0, space), line.substring(space + 1));
                }
                line.setLength(0);
            } else {
                line.append(c);
            }
        }
        return out;
    }

    private static String line(String line, Map<String, Path> moved) {
        int space = line.indexOf(' ');
        if (space <= 0) {
            return line; // an empty line (after a \r of \r\n), kept as it was
        }
        Path to = moved.get(line.substring(0, space));
        return to == null ? line : line.substring(0, space + 1) + to;
    }
}
