package dev.pgvault.ha.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.ha.cluster.TimelineSwitch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The cluster's timeline history ({@code pgvault ha history}) as a table for people and as JSON;
 * what was not seen happen (time, leader) is "-" in the table and null in the JSON.
 */
public final class HistoryText {
    private static final JsonFactory JSON = new JsonFactory();

    private HistoryText() {}

    public static String table(String cluster, List<TimelineSwitch> history) {
        if (history.isEmpty()) {
            return "Cluster: " + cluster + ": no timeline switch recorded (every node is still on timeline 1)\n";
        }
        List<List<String>> lines = new ArrayList<>();
        lines.add(List.of("Timeline", "From", "Switch LSN", "At", "Leader", "Reason"));
        for (TimelineSwitch t : history) {
            lines.add(List.of(String.valueOf(t.timeline()), String.valueOf(t.parent()), new Lsn(t.switchLsn()).toString(),
                    t.at() == null ? "-" : t.at().toString(), t.leader() == null ? "-" : t.leader(), t.reason()));
        }
        return "Cluster: " + cluster + "\n" + TextTable.format(lines);
    }

    public static String json(String cluster, List<TimelineSwitch> history) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("cluster", cluster);
            g.writeArrayFieldStart("history");
            for (TimelineSwitch t : history) {
                g.writeStartObject();
                g.writeNumberField("timeline", t.timeline());
                g.writeNumberField("parent", t.parent());
                g.writeStringField("switch_lsn", new Lsn(t.switchLsn()).toString());
                g.writeStringField("at", t.at() == null ? null : t.at().toString());
                g.writeStringField("leader", t.leader());
                g.writeStringField("reason", t.reason());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
