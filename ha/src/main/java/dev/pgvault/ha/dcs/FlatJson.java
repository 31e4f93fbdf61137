package dev.pgvault.ha.dcs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The values pgvault keeps in etcd are flat JSON objects: strings, integers, booleans, null and
 * lists of strings. This reads and writes exactly that, and refuses anything else.
 */
final class FlatJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private FlatJson() {}

    static String write(Map<String, ?> fields) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            for (Map.Entry<String, ?> e : fields.entrySet()) {
                Object v = e.getValue();
                g.writeFieldName(e.getKey());
                if (v == null) {
                    g.writeNull();
                } else if (v instanceof Boolean b) {
                    g.writeBoolean(b);
                } else if (v instanceof Long || v instanceof Integer) {
                    g.writeNumber(((Number) v).longValue());
                } else if (v instanceof List<?> list) {
                    g.writeStartArray();
                    for (Object item : list) {
                        g.writeString(item.toString());
                    }
                    g.writeEndArray();
                } else {
                    g.writeString(v.toString());
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot write JSON to a string", e);
        }
        return out.toString();
    }

    static Map<String, Object> read(String text) throws IOException {
        Map<String, Object> fields = new LinkedHashMap<>();
        try (JsonParser p = FACTORY.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                fields.put(name, switch (t) {
                    case VALUE_STRING -> p.getText();
                    case VALUE_NUMBER_INT -> p.getLongValue();
                    case VALUE_TRUE -> Boolean.TRUE;
                    case VALUE_FALSE -> Boolean.FALSE;
                    case VALUE_NULL -> null;
                    case START_ARRAY -> strings(p);
                    default -> throw new IOException("unexpected " + t + " for '" + name + "'");
                });
            }
        }
        return fields;
    }

    private static List<String> strings(JsonParser p) throws IOException {
        List<String> items = new ArrayList<>();
        while (p.nextToken() == JsonToken.VALUE_STRING) {
            items.add(p.getText());
        }
        if (p.currentToken() != JsonToken.END_ARRAY) {
            throw new IOException("a list holds only strings");
        }
        return items;
    }
}
