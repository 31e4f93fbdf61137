package dev.pgvault.ha.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;

/** A mutating call's JSON body: a small object of which one string field matters. */
final class RequestBody {
    /** Larger than any request this API takes, small enough that nobody can make the agent buffer much. */
    static final int MAX_BYTES = 4096;

    private static final JsonFactory JSON = new JsonFactory();

    /** The body was not what the endpoint takes; the reply says why. */
    static final class Rejected extends Exception {
        final Reply reply;

        Rejected(Reply reply) {
            super(new String(reply.body(), java.nio.charset.StandardCharsets.UTF_8));
            this.reply = reply;
        }
    }

    private RequestBody() {}

    /** Reads at most {@link #MAX_BYTES} and returns the non-empty string field {@code name}. */
    static String stringField(InputStream in, String name) throws IOException, Rejected {
        byte[] body = in.readNBytes(MAX_BYTES + 1);
        if (body.length > MAX_BYTES) {
            throw new Rejected(Reply.error(413, "request body is larger than " + MAX_BYTES + " bytes"));
        }
        String value = null;
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new Rejected(Reply.error(400, "request body must be a JSON object like {\"" + name + "\": \"...\"}"));
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (field.equals(name) && t == JsonToken.VALUE_STRING) {
                    value = p.getText();
                } else {
                    p.skipChildren();
                }
            }
        } catch (JsonProcessingException e) {
            throw new Rejected(Reply.error(400, "request body is not valid JSON: " + e.getOriginalMessage()));
        }
        if (value == null || value.isBlank()) {
            throw new Rejected(Reply.error(400, "request body lacks the string field \"" + name + "\""));
        }
        return value;
    }
}
