package dev.pgvault.archiver.verify;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * The report's JSON form, for {@code verify --output json}. Field names are lowercase with
 * underscores, enum values too ("missing_object"); a key absent from a problem is null.
 */
public final class VerifyReportJson {
    private static final JsonFactory JSON = new JsonFactory();

    private VerifyReportJson() {}

    public static byte[] write(VerifyReport r) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("stanza", r.stanza());
            g.writeBooleanField("ok", r.ok());
            g.writeNumberField("backups", r.backups());
            g.writeNumberField("objects", r.objects());
            g.writeNumberField("wal_files", r.walFiles());
            g.writeNumberField("bytes_read", r.bytesRead());
            g.writeNumberField("errors", r.errors());
            g.writeNumberField("warnings", r.warnings());
            g.writeNumberField("infos", r.infos());
            g.writeArrayFieldStart("problems");
            for (Problem p : r.problems()) {
                g.writeStartObject();
                g.writeStringField("severity", p.severity().name().toLowerCase(Locale.ROOT));
                g.writeStringField("kind", p.kind().name().toLowerCase(Locale.ROOT));
                strings(g, "backups", p.backups());
                g.writeStringField("object", p.objectKey());
                strings(g, "files", p.files());
                strings(g, "wal_files", p.walFiles());
                g.writeStringField("message", p.message());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    private static void strings(JsonGenerator g, String field, List<String> values) throws IOException {
        g.writeArrayFieldStart(field);
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }
}
