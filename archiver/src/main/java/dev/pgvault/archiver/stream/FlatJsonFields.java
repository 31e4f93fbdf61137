package dev.pgvault.archiver.stream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/** The fields of a flat JSON object as text: the receiver's small objects in the repository. */
final class FlatJsonFields {
    private static final JsonFactory JSON = new JsonFactory();

    private FlatJsonFields() {}

    /**
     * Each field's value as text. Not an object: {@link IllegalArgumentException} saying it is
     * not {@code what}; malformed JSON: Jackson's {@link IOException}.
     */
    static Map<String, String> read(byte[] json, String what) throws IOException {
        Map<String, String> f = new HashMap<>();
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not " + what);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                f.put(field, p.getText());
            }
        }
        return f;
    }
}
