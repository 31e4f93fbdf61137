package dev.pgvault.cli.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the subset of YAML a configuration file needs: block mappings and sequences by
 * indentation, flow sequences {@code [a, b]} and flow mappings {@code {k: v}} of scalars, plain
 * and quoted scalars, comments. Anything else (anchors, tags, multi-line strings, tabs) is
 * refused with its line number rather than guessed at.
 *
 * <p>Why not a YAML library: PostgreSQL's archive_command starts pgvault once per WAL segment,
 * and SnakeYAML's start-up alone cost 30-40 ms of each call.
 */
final class YamlReader {

    /** A syntax error at a line (1-based). */
    static final class YamlException extends Exception {
        final int line;

        YamlException(int line, String message) {
            super(message);
            this.line = line;
        }
    }

    private record Line(int number, int indent, String text) {}

    private final List<Line> lines = new ArrayList<>();
    private int pos;

    private YamlReader(String source) throws YamlException {
        List<String> raw = splitLines(source);
        for (int i = 0; i < raw.size(); i++) {
            String l = raw.get(i);
            int indent = 0;
            while (indent < l.length() && l.charAt(indent) == ' ') {
                indent++;
            }
            if (indent < l.length() && l.charAt(indent) == '\t') {
                throw new YamlException(i + 1, "tab used for indentation");
            }
            String text = stripComment(l.substring(indent), i + 1).stripTrailing();
            if (text.isEmpty() || (i == 0 || lines.isEmpty()) && text.equals("---")) {
                continue;
            }
            lines.add(new Line(i + 1, indent, text));
        }
    }

    private static List<String> splitLines(String source) {
        List<String> out = new ArrayList<>();
        int start = 0;
        while (start <= source.length()) {
            int nl = source.indexOf('\n', start);
            int end = nl < 0 ? source.length() : nl;
            out.add(source.substring(start, end > start && source.charAt(end - 1) == '\r' ? end - 1 : end));
            if (nl < 0) {
                break;
            }
            start = nl + 1;
        }
        return out;
    }

    /** The document: a mapping, a sequence, a scalar, or null when empty. */
    static Object parse(String source) throws YamlException {
        YamlReader r = new YamlReader(source);
        if (r.lines.isEmpty()) {
            return null;
        }
        Line first = r.lines.get(0);
        Object doc = r.block(first.indent());
        if (r.pos < r.lines.size() && !(doc instanceof Map) && !(doc instanceof List)) {
            // a first line that is neither a key nor an item ('stanza:main'): it is what is wrong
            throw new YamlException(first.number(), expectedKeyValue(first.text()));
        }
        if (r.pos < r.lines.size()) {
            Line l = r.lines.get(r.pos);
            throw new YamlException(l.number(), "unexpected indentation");
        }
        return doc;
    }

    private Object block(int indent) throws YamlException {
        Line first = lines.get(pos);
        if (first.text().equals("-") || first.text().startsWith("- ")) {
            return sequence(indent);
        }
        if (keyEnd(first.text()) > 0) {
            return mapping(indent);
        }
        pos++;
        return scalarOrFlow(first.text(), first.number());
    }

    private Map<String, Object> mapping(int indent) throws YamlException {
        Map<String, Object> map = new LinkedHashMap<>();
        while (pos < lines.size() && lines.get(pos).indent() == indent) {
            Line l = lines.get(pos);
            int colon = keyEnd(l.text());
            if (colon <= 0) {
                throw new YamlException(l.number(), expectedKeyValue(l.text()));
            }
            String key = unquote(l.text().substring(0, colon).strip(), l.number());
            if (map.containsKey(key)) {
                throw new YamlException(l.number(), "duplicate key '" + key + "'");
            }
            String rest = l.text().substring(colon + 1).strip();
            pos++;
            map.put(key, rest.isEmpty() ? nested(indent, l) : scalarOrFlow(rest, l.number()));
        }
        return map;
    }

    /** What a line that should be "key: value" lacks; most often the space after the colon. */
    private static String expectedKeyValue(String text) {
        return text.contains(":") && !text.contains(": ") ? "expected 'key: value', with a space after ':'" : "expected 'key: value'";
    }

    private List<Object> sequence(int indent) throws YamlException {
        List<Object> list = new ArrayList<>();
        while (pos < lines.size() && lines.get(pos).indent() == indent
                && (lines.get(pos).text().equals("-") || lines.get(pos).text().startsWith("- "))) {
            Line l = lines.get(pos);
            String rest = l.text().substring(1).strip();
            if (keyEnd(rest) > 0) {
                throw new YamlException(l.number(), "mappings inside sequences are not supported");
            }
            pos++;
            list.add(rest.isEmpty() ? nested(indent, l) : scalarOrFlow(rest, l.number()));
        }
        return list;
    }

    /** The block under a key or dash with nothing after it: null when nothing is indented deeper. */
    private Object nested(int indent, Line owner) throws YamlException {
        if (pos >= lines.size() || lines.get(pos).indent() <= indent) {
            // A sequence may sit at its key's own indentation ("key:\n- a").
            if (pos < lines.size() && lines.get(pos).indent() == indent && lines.get(pos).text().startsWith("- ")
                    && keyEnd(owner.text()) > 0) {
                return sequence(indent);
            }
            return null;
        }
        return block(lines.get(pos).indent());
    }

    /** Index of the colon that ends a mapping key, or -1: a colon followed by a space or the end. */
    private static int keyEnd(String text) {
        char q = text.isEmpty() ? 0 : text.charAt(0);
        int from = 0;
        if (q == '"' || q == '\'') {
            int close = text.indexOf(q, 1);
            if (close < 0) {
                return -1;
            }
            from = close + 1;
        } else if (q == '[' || q == '{') {
            return -1;
        }
        for (int i = from; i < text.length(); i++) {
            if (text.charAt(i) == ':' && (i + 1 == text.length() || text.charAt(i + 1) == ' ')) {
                return i;
            }
        }
        return -1;
    }

    private static Object scalarOrFlow(String text, int line) throws YamlException {
        if (text.startsWith("[")) {
            if (!text.endsWith("]")) {
                throw new YamlException(line, "unclosed '['");
            }
            List<Object> list = new ArrayList<>();
            for (String item : splitFlow(text.substring(1, text.length() - 1), line)) {
                list.add(scalar(item, line));
            }
            return list;
        }
        if (text.startsWith("{")) {
            if (!text.endsWith("}")) {
                throw new YamlException(line, "unclosed '{'");
            }
            Map<String, Object> map = new LinkedHashMap<>();
            for (String item : splitFlow(text.substring(1, text.length() - 1), line)) {
                int colon = keyEnd(item);
                if (colon <= 0) {
                    throw new YamlException(line, "expected 'key: value' in '{...}'");
                }
                String key = unquote(item.substring(0, colon).strip(), line);
                if (map.containsKey(key)) {
                    throw new YamlException(line, "duplicate key '" + key + "'");
                }
                map.put(key, scalar(item.substring(colon + 1).strip(), line));
            }
            return map;
        }
        return scalar(text, line);
    }

    private static List<String> splitFlow(String body, int line) throws YamlException {
        List<String> items = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (quote != 0) {
                if (c == '\\' && quote == '"' && i + 1 < body.length()) {
                    cur.append(c);
                    c = body.charAt(++i);
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '[' || c == '{') {
                throw new YamlException(line, "nested '" + c + "' is not supported");
            } else if (c == ',') {
                items.add(cur.toString().strip());
                cur.setLength(0);
                continue;
            }
            cur.append(c);
        }
        if (quote != 0) {
            throw new YamlException(line, "unclosed quote");
        }
        String last = cur.toString().strip();
        if (!last.isEmpty() || !items.isEmpty()) {
            items.add(last);
        }
        for (String item : items) {
            if (item.isEmpty()) {
                throw new YamlException(line, "empty item in a flow collection");
            }
        }
        return items;
    }

    private static Object scalar(String text, int line) throws YamlException {
        if (text.startsWith("\"") || text.startsWith("'")) {
            return unquote(text, line);
        }
        char c0 = text.charAt(0);
        if (c0 == '&' || c0 == '*' || c0 == '!' || c0 == '|' || c0 == '>' || c0 == '%' || c0 == '@' || c0 == '`') {
            throw new YamlException(line, "unsupported YAML syntax '" + c0 + "' (anchors, tags and multi-line strings)");
        }
        if (keyEnd(text) > 0) {
            throw new YamlException(line, "': ' inside a plain value: put the value in quotes");
        }
        switch (text) {
            case "null", "Null", "NULL", "~":
                return null;
            case "true", "True", "TRUE":
                return Boolean.TRUE;
            case "false", "False", "FALSE":
                return Boolean.FALSE;
            default:
                break;
        }
        // Numbers stay text: "007" is a name and "0123" a secret; YamlSection parses numbers
        // where a key wants one.
        return text;
    }

    private static String unquote(String text, int line) throws YamlException {
        if (text.isEmpty()) {
            throw new YamlException(line, "empty key");
        }
        char q = text.charAt(0);
        if (q != '"' && q != '\'') {
            return text;
        }
        if (text.length() < 2 || text.charAt(text.length() - 1) != q) {
            throw new YamlException(line, "unclosed quote");
        }
        String body = text.substring(1, text.length() - 1);
        if (q == '\'') {
            if (body.replace("''", "").contains("'")) {
                throw new YamlException(line, "stray quote in a single-quoted string");
            }
            return body.replace("''", "'");
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '"') {
                throw new YamlException(line, "stray quote in a double-quoted string");
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (++i == body.length()) {
                throw new YamlException(line, "backslash at the end of a string");
            }
            char e = body.charAt(i);
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case '"', '\\', '/' -> out.append(e);
                default -> throw new YamlException(line, "unsupported escape '\\" + e + "'");
            }
        }
        return out.toString();
    }

    /** The line without its comment: '#' at the start or after a space, outside quotes. */
    private static String stripComment(String text, int line) {
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == '\\' && quote == '"') {
                    i++; // an escaped character cannot end the string
                } else if (c == '\'' && quote == '\'' && i + 1 < text.length() && text.charAt(i + 1) == '\'') {
                    i++; // '' is a quote inside a single-quoted string
                } else if (c == quote) {
                    quote = 0;
                }
            } else if ((c == '"' || c == '\'') && (i == 0 || " :[{,-".indexOf(text.charAt(i - 1)) >= 0)) {
                quote = c;
            } else if (c == '#' && (i == 0 || text.charAt(i - 1) == ' ')) {
                return text.substring(0, i);
            }
        }
        return text;
    }
}
