package dev.pgvault.ha.api;

import java.util.List;

/** Rows of text in left-aligned columns two spaces apart, the first row being the header. */
final class TextTable {
    private TextTable() {}

    static String format(List<List<String>> lines) {
        int[] widths = new int[lines.get(0).size()];
        for (List<String> line : lines) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], line.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (List<String> line : lines) {
            StringBuilder row = new StringBuilder();
            for (int i = 0; i < widths.length; i++) {
                row.append(i == 0 ? "" : "  ").append(String.format("%-" + widths[i] + "s", line.get(i)));
            }
            out.append(row.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }
}
