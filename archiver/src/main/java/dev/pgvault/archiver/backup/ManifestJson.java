package dev.pgvault.archiver.backup;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.wal.Lsn;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The manifest's JSON form, the backup's last object: backup.manifest.
 *
 * <p>Format 2 is format 1 plus the parts of split files. A manifest is written as format 1 when
 * no file is split, so that an older pgvault still reads it; with split files it is format 2,
 * which an older pgvault refuses as a whole instead of misreading those files as empty. Format 3
 * adds what incremental and differential backups need: files held by an earlier backup of the
 * chain ({@code backup}) and files assembled from a base and page runs ({@code base}, {@code
 * pages}); it is written only when some file has them.
 */
public final class ManifestJson {
    /** The formats this version reads. */
    static final int FORMAT_1 = 1;
    static final int FORMAT_PARTS = 2;
    static final int FORMAT_CHAIN = 3;
    /** Duplicate fields refused: two file entries run together would otherwise read as the second alone. */
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private ManifestJson() {}

    public static byte[] write(Manifest m) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("format", format(m));
            g.writeStringField("id", m.id());
            g.writeStringField("type", m.type().name().toLowerCase());
            g.writeStringField("parent", m.parent());
            g.writeStringField("start_time", m.startTime().toString());
            g.writeStringField("stop_time", m.stopTime().toString());
            g.writeStringField("start_lsn", m.startLsn().toString());
            g.writeStringField("stop_lsn", m.stopLsn().toString());
            g.writeNumberField("timeline", m.timeline());
            g.writeStringField("start_wal", m.startWal());
            g.writeStringField("stop_wal", m.stopWal());
            g.writeStringField("system_identifier", m.cluster().systemIdentifierText());
            g.writeNumberField("pg_version_num", m.cluster().pgVersionNum());
            g.writeNumberField("wal_segment_size", m.cluster().walSegmentSize());
            g.writeBooleanField("page_checksums", m.pageChecksums());
            BackupTotals totals = m.totals();
            g.writeNumberField(SIZE_BYTES, totals.sizeBytes());
            g.writeNumberField(STORED_BYTES, totals.storedBytes());
            g.writeNumberField(BAD_PAGE_COUNT, totals.badPages());
            g.writeStringField("backup_label", m.backupLabel());
            g.writeStringField("tablespace_map", m.tablespaceMap());
            g.writeArrayFieldStart("directories");
            for (DirectoryEntry d : m.directories()) {
                g.writeStartObject();
                g.writeStringField("path", d.path());
                g.writeNumberField("mode", d.mode());
                if (d.linkTarget() != null) {
                    g.writeStringField("link", d.linkTarget());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("objects");
            for (StoredObject o : m.objects()) {
                g.writeStartObject();
                g.writeStringField("key", o.key());
                g.writeNumberField("plain_size", o.plainSize());
                g.writeNumberField("stored_size", o.storedSize());
                g.writeStringField("sha256", o.sha256());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("files");
            for (FileEntry f : m.files()) {
                writeFile(g, f);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    private static int format(Manifest m) {
        if (m.files().stream().anyMatch(f -> f.backup() != null || f.paged())) {
            return FORMAT_CHAIN;
        }
        return m.files().stream().anyMatch(FileEntry::split) ? FORMAT_PARTS : FORMAT_1;
    }

    private static void writeFile(JsonGenerator g, FileEntry f) throws IOException {
        g.writeStartObject();
        g.writeStringField("path", f.path());
        g.writeNumberField("size", f.size());
        g.writeStringField("sha256", f.sha256());
        g.writeNumberField("mtime", f.mtime());
        g.writeNumberField("mode", f.mode());
        g.writeStringField("object", f.object());
        g.writeNumberField("offset", f.offset());
        if (f.backup() != null) {
            g.writeStringField("backup", f.backup());
        }
        if (!f.badPages().isEmpty()) {
            g.writeArrayFieldStart("bad_pages");
            for (long p : f.badPages()) {
                g.writeNumber(p);
            }
            g.writeEndArray();
        }
        if (f.split()) {
            g.writeArrayFieldStart("parts");
            for (FilePart part : f.parts()) {
                g.writeStartObject();
                g.writeStringField("object", part.object());
                g.writeNumberField("offset", part.offset());
                g.writeNumberField("size", part.size());
                g.writeStringField("sha256", part.sha256());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        if (f.paged()) {
            g.writeFieldName("base");
            writeFile(g, f.base());
            g.writeArrayFieldStart("pages");
            for (PageRun r : f.pages()) {
                g.writeStartObject();
                if (r.backup() != null) {
                    g.writeStringField("backup", r.backup());
                }
                g.writeStringField("object", r.object());
                g.writeStringField("sha256", r.sha256());
                g.writeArrayFieldStart("blocks");
                for (long b : r.blocks()) {
                    g.writeNumber(b);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    public static Manifest read(InputStream in) throws IOException {
        try (JsonParser p = JSON.createParser(in)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            Map<String, String> scalars = new HashMap<>();
            List<DirectoryEntry> dirs = new ArrayList<>();
            List<StoredObject> objects = new ArrayList<>();
            List<FileEntry> files = new ArrayList<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "directories" -> readArray(p, t, o -> dirs.add(new DirectoryEntry(
                            required(o, "path"), parse(o, "mode", Integer::parseInt), o.get("link"))));
                    case "objects" -> readArray(p, t, o -> objects.add(new StoredObject(required(o, "key"),
                            parse(o, "plain_size", Long::parseLong), parse(o, "stored_size", Long::parseLong), required(o, "sha256"))));
                    case "files" -> readFiles(p, t, files);
                    default -> scalars.put(field, t == JsonToken.VALUE_NULL ? null : p.getText());
                }
            }
            // a manifest cut or garbled after its last field would otherwise read as one with fewer files
            expect(p.currentToken(), JsonToken.END_OBJECT);
            expect(p.nextToken(), null);
            String format = checkFormat(scalars);
            if (String.valueOf(FORMAT_1).equals(format) && files.stream().anyMatch(FileEntry::split)) {
                throw new MalformedManifestException("backup manifest is malformed: format 1 has no split files", null);
            }
            if (!String.valueOf(FORMAT_CHAIN).equals(format) && files.stream().anyMatch(f -> f.backup() != null || f.paged())) {
                throw new MalformedManifestException("backup manifest is malformed: only format " + FORMAT_CHAIN
                        + " has files held by an earlier backup", null);
            }
            BackupHeader h = header(scalars);
            // The header's totals are not compared with the lists here: only info and the metrics
            // show them, and a restore must not fail on them; verify compares them.
            return new Manifest(h.id(), h.type(), h.parent(), h.startTime(), h.stopTime(), h.startLsn(), h.stopLsn(),
                    h.timeline(), h.startWal(), h.stopWal(), h.cluster(),
                    h.pageChecksums(),
                    scalars.get("backup_label"),
                    scalars.get("tablespace_map"),
                    dirs, files, objects);
        } catch (com.fasterxml.jackson.core.JsonProcessingException | MalformedField | IllegalArgumentException e) {
            throw malformed(e);
        } catch (RuntimeException e) {
            throw new MalformedManifestException("backup manifest is malformed: a field holds a value of the wrong kind", e);
        }
    }

    /** The header's sums over the lists ({@link BackupTotals}), which only info and the metrics show. */
    static final String SIZE_BYTES = "size_bytes";
    static final String STORED_BYTES = "stored_bytes";
    static final String BAD_PAGE_COUNT = "bad_page_count";

    /**
     * The fields of a {@link BackupHeader}, all written before the manifest's first list. A
     * manifest without {@code page_checksums} (from before it was recorded) is read whole, which
     * takes it as off.
     */
    private static final java.util.Set<String> HEADER_FIELDS = java.util.Set.of("format", "id", "type", "parent", "start_time",
            "stop_time", "start_lsn", "stop_lsn", "timeline", "start_wal", "stop_wal", "system_identifier", "pg_version_num",
            "wal_segment_size", "page_checksums");

    /**
     * The header of the manifest {@code in} begins with: its fields up to its first list, which
     * {@link #write} writes after them. With {@code tokenizeRest}, the rest is tokenized to its
     * end, so a manifest whose JSON is cut or garbled anywhere, or names a field twice, is refused
     * as by {@link #read}, but its lists are not built, which is most of what reading a manifest
     * costs; without, nothing after the first list is parsed. Empty when the header's
     * fields do not all come first (a manifest written in another order): read it whole then. A
     * field after a list cannot change the header: named before it, it would be a duplicate. What
     * only the lists tell (format 1 with split files, a list of another shape or name) only {@link #read} checks.
     */
    public static java.util.Optional<BackupHeader> readHeader(InputStream in, boolean tokenizeRest) throws IOException {
        try (JsonParser p = JSON.createParser(in)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            Map<String, String> scalars = new HashMap<>();
            boolean listed = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (t == JsonToken.START_ARRAY || t == JsonToken.START_OBJECT) {
                    if (!tokenizeRest) {
                        return complete(scalars);
                    }
                    listed = true;
                    p.skipChildren();
                } else if (!listed) {
                    scalars.put(field, t == JsonToken.VALUE_NULL ? null : p.getText());
                }
            }
            expect(p.currentToken(), JsonToken.END_OBJECT);
            expect(p.nextToken(), null);
            return complete(scalars);
        } catch (com.fasterxml.jackson.core.JsonProcessingException | MalformedField | IllegalArgumentException e) {
            throw malformed(e);
        } catch (RuntimeException e) {
            throw new MalformedManifestException("backup manifest is malformed: a field holds a value of the wrong kind", e);
        }
    }

    /** The header of {@code scalars}, or empty when a field of it is missing (read the manifest whole then). */
    private static java.util.Optional<BackupHeader> complete(Map<String, String> scalars) throws IOException {
        if (!scalars.keySet().containsAll(HEADER_FIELDS)) {
            return java.util.Optional.empty();
        }
        checkFormat(scalars);
        return java.util.Optional.of(header(scalars));
    }

    /** The manifest's format, when this pgvault reads it. */
    private static String checkFormat(Map<String, String> scalars) throws IOException {
        String format = scalars.get("format");
        if (!String.valueOf(FORMAT_1).equals(format) && !String.valueOf(FORMAT_PARTS).equals(format)
                && !String.valueOf(FORMAT_CHAIN).equals(format)) {
            throw new MalformedManifestException("backup manifest format " + format + " is not supported by this pgvault"
                    + " (expected " + FORMAT_1 + ", " + FORMAT_PARTS + " or " + FORMAT_CHAIN + ")", null);
        }
        return format;
    }

    private static BackupHeader header(Map<String, String> scalars) {
        return new BackupHeader(
                required(scalars, "id"),
                parse(scalars, "type", v -> BackupType.valueOf(v.toUpperCase(java.util.Locale.ROOT))),
                scalars.get("parent"),
                parse(scalars, "start_time", Instant::parse),
                parse(scalars, "stop_time", Instant::parse),
                parse(scalars, "start_lsn", Lsn::parse),
                parse(scalars, "stop_lsn", Lsn::parse),
                parse(scalars, "timeline", Integer::parseInt),
                required(scalars, "start_wal"),
                required(scalars, "stop_wal"),
                new ClusterIdentity(parse(scalars, "system_identifier", Long::parseUnsignedLong),
                        parse(scalars, "pg_version_num", Integer::parseInt),
                        parse(scalars, "wal_segment_size", Integer::parseInt), Instant.EPOCH),
                Boolean.parseBoolean(scalars.get("page_checksums")), // absent (read whole): off, so no incremental builds on it
                totals(scalars));
    }

    /**
     * The header's totals; null when it does not record all three as counts (written before they
     * were, or by another writer): info and the metrics sum the lists then. Never a reason to
     * refuse a manifest: nothing but their display depends on them ({@code verify} compares them
     * with the lists).
     */
    private static BackupTotals totals(Map<String, String> scalars) {
        long[] values = new long[3];
        String[] names = {SIZE_BYTES, STORED_BYTES, BAD_PAGE_COUNT};
        for (int i = 0; i < names.length; i++) {
            String v = scalars.get(names[i]);
            if (v == null || !v.matches("[0-9]{1,18}")) {
                return null;
            }
            values[i] = Long.parseLong(v);
        }
        return new BackupTotals(values[0], values[1], values[2]);
    }

    /** A manifest this pgvault cannot read: malformed, or of a format it does not know; not a failure to read its bytes. */
    public static final class MalformedManifestException extends IOException {
        MalformedManifestException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A manifest that does not parse, in words that say where in it, never naming a Java class. */
    private static MalformedManifestException malformed(Exception e) {
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j) {
            // Jackson's own message names the Java source of the bytes; this one says where in them
            com.fasterxml.jackson.core.JsonLocation at = j.getLocation();
            return new MalformedManifestException("backup manifest is malformed: " + j.getOriginalMessage()
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"), e);
        }
        // a field missing or bad (MalformedField), or the records' own checks, in words
        return new MalformedManifestException("backup manifest is malformed: " + e.getMessage(), e);
    }

    /** A field that is missing or does not parse; its message names the field, never a Java class. */
    private static final class MalformedField extends RuntimeException {
        MalformedField(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    private static String required(Map<String, String> fields, String name) {
        String v = fields.get(name);
        if (v == null) {
            throw new MalformedField("field '" + name + "' is missing", null);
        }
        return v;
    }

    private static <T> T parse(Map<String, String> fields, String name, java.util.function.Function<String, T> parser) {
        String v = required(fields, name);
        try {
            return parser.apply(v);
        } catch (RuntimeException e) {
            String shown = v.length() > 40 ? v.substring(0, 40) + "..." : v;
            throw new MalformedField("field '" + name + "' has a bad value '" + shown + "'", e);
        }
    }

    private interface ObjectReader {
        void accept(Map<String, String> fields);
    }

    private static void readArray(JsonParser p, JsonToken start, ObjectReader reader) throws IOException {
        expect(start, JsonToken.START_ARRAY);
        while (p.nextToken() == JsonToken.START_OBJECT) {
            Map<String, String> o = new HashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                o.put(name, t == JsonToken.VALUE_NULL ? null : p.getText());
            }
            expect(p.currentToken(), JsonToken.END_OBJECT);
            reader.accept(o);
        }
        expect(p.currentToken(), JsonToken.END_ARRAY);
    }

    private static void readFiles(JsonParser p, JsonToken start, List<FileEntry> files) throws IOException {
        expect(start, JsonToken.START_ARRAY);
        while (p.nextToken() == JsonToken.START_OBJECT) {
            files.add(readFile(p));
        }
        expect(p.currentToken(), JsonToken.END_ARRAY);
    }

    /** One file entry, its opening brace read. */
    private static FileEntry readFile(JsonParser p) throws IOException {
        String path = null, sha = null, object = null, backup = null;
        long size = 0, mtime = 0, offset = 0;
        int mode = 0600;
        List<Long> bad = List.of();
        List<FilePart> parts = List.of();
        FileEntry base = null;
        List<PageRun> pages = List.of();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "path" -> path = p.getText();
                case "size" -> size = p.getLongValue();
                case "sha256" -> sha = t == JsonToken.VALUE_NULL ? null : p.getText();
                case "mtime" -> mtime = p.getLongValue();
                case "mode" -> mode = p.getIntValue();
                case "object" -> object = t == JsonToken.VALUE_NULL ? null : p.getText(); // an empty file has none
                case "offset" -> offset = p.getLongValue();
                case "backup" -> backup = t == JsonToken.VALUE_NULL ? null : p.getText();
                case "bad_pages" -> bad = readLongs(p, t);
                case "parts" -> {
                    List<FilePart> read = new ArrayList<>();
                    readArray(p, t, o -> read.add(new FilePart(required(o, "object"), parse(o, "offset", Long::parseLong),
                            parse(o, "size", Long::parseLong), required(o, "sha256"))));
                    parts = read;
                }
                case "base" -> {
                    expect(t, JsonToken.START_OBJECT);
                    base = readFile(p);
                }
                case "pages" -> pages = readRuns(p, t);
                default -> p.skipChildren();
            }
        }
        expect(p.currentToken(), JsonToken.END_OBJECT);
        return new FileEntry(path, size, sha, mtime, mode, object, offset, bad, parts, backup, base, pages);
    }

    private static List<PageRun> readRuns(JsonParser p, JsonToken start) throws IOException {
        expect(start, JsonToken.START_ARRAY);
        List<PageRun> runs = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_OBJECT) {
            String backup = null, object = null, sha = null;
            List<Long> blocks = List.of();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "backup" -> backup = t == JsonToken.VALUE_NULL ? null : p.getText();
                    case "object" -> object = p.getText();
                    case "sha256" -> sha = p.getText();
                    case "blocks" -> blocks = readLongs(p, t);
                    default -> p.skipChildren();
                }
            }
            expect(p.currentToken(), JsonToken.END_OBJECT);
            if (object == null || sha == null) {
                throw new MalformedField("a page run has no object or sha256", null);
            }
            runs.add(new PageRun(backup, object, sha, blocks));
        }
        expect(p.currentToken(), JsonToken.END_ARRAY);
        return runs;
    }

    private static List<Long> readLongs(JsonParser p, JsonToken start) throws IOException {
        expect(start, JsonToken.START_ARRAY);
        List<Long> values = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            values.add(p.getLongValue());
        }
        return values;
    }

    private static void expect(JsonToken actual, JsonToken wanted) throws IOException {
        if (actual != wanted) {
            throw new MalformedManifestException("backup manifest is malformed: expected " + describe(wanted) + ", found "
                    + describe(actual), null);
        }
    }

    private static String describe(JsonToken t) {
        return t == null ? "the end" : t.asString() != null ? "'" + t.asString() + "'" : t.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    }
}
