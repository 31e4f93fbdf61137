package dev.pgvault.archiver.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Prometheus text exposition format 0.0.4, written by hand: a HELP and a TYPE line per metric
 * family, then its samples, each family once however many label sets it has. A value that is not
 * known gets no sample rather than a 0 that would read as a fact.
 */
public final class MetricsText {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private record Family(String help, String type, List<String> samples) {}

    private final Map<String, Family> families = new LinkedHashMap<>();

    public MetricsText gauge(String name, String help, Map<String, String> labels, String value) {
        return sample(name, help, "gauge", labels, value);
    }

    public MetricsText counter(String name, String help, Map<String, String> labels, String value) {
        return sample(name, help, "counter", labels, value);
    }

    private MetricsText sample(String name, String help, String type, Map<String, String> labels, String value) {
        Family f = families.computeIfAbsent(name, n -> new Family(help, type, new ArrayList<>()));
        StringBuilder s = new StringBuilder(name);
        if (!labels.isEmpty()) {
            s.append('{');
            String sep = "";
            for (Map.Entry<String, String> l : labels.entrySet()) {
                s.append(sep).append(l.getKey()).append("=\"").append(escape(l.getValue())).append('"');
                sep = ",";
            }
            s.append('}');
        }
        f.samples().add(s.append(' ').append(value).toString());
        return this;
    }

    public String text() {
        StringBuilder out = new StringBuilder();
        families.forEach((name, f) -> {
            out.append("# HELP ").append(name).append(' ').append(f.help().replace("\\", "\\\\").replace("\n", "\\n"))
                    .append('\n').append("# TYPE ").append(name).append(' ').append(f.type()).append('\n');
            f.samples().forEach(s -> out.append(s).append('\n'));
        });
        return out.toString();
    }

    /** The format's three escapes in a label value: backslash, double quote, line feed. */
    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    public static String seconds(Instant at) {
        return String.format(Locale.ROOT, "%.3f", at.toEpochMilli() / 1000.0);
    }

    public static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3f", d.toMillis() / 1000.0);
    }
}
