package dev.pgvault.archiver.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.wal.Lsn;
import java.io.ByteArrayInputStream;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

public class ManifestJsonTest {

    public static Manifest sample() {
        return new Manifest("20261126-031500F", BackupType.FULL, null,
                Instant.parse("2026-11-26T03:15:00.123456Z"), Instant.parse("2026-11-26T03:15:07Z"),
                Lsn.parse("0/2000028"), Lsn.parse("0/2000138"), 1,
                "000000010000000000000002", "000000010000000000000002",
                new ClusterIdentity(-1234567890123456789L, 150004, 16 * 1024 * 1024, Instant.EPOCH),
                true,
                "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\nSTART TIMELINE: 1\nLABEL: pgvault \"x\"\n",
                "16499 /srv/ts one\n",
                List.of(new DirectoryEntry("base", 0700, null), new DirectoryEntry("pg_tblspc/16499", 0700, "/srv/ts one")),
                List.of(new FileEntry("PG_VERSION", 3, "ab12", 1_700_000_000L, 0600, "bundle/1", 0, List.of()),
                        new FileEntry("base/5/16384", 3L * 1024 * 1024 * 1024, "cd34", 1_700_000_001L, 0600,
                                "data/base/5/16384", 0, List.of(7L, 131073L)),
                        new FileEntry("postgresql.auto.conf", 0, "e3b0", 1_700_000_002L, 0644, null, 0, List.of()),
                        new FileEntry("pg_hba.conf", 10, "ef56", 1_700_000_003L, 0600, "bundle/1", 3, List.of())),
                List.of(new StoredObject("bundle/1", 13, 80, "0123"),
                        new StoredObject("data/base/5/16384", 3L * 1024 * 1024 * 1024, 12345, "4567")));
    }

    /** A header is the manifest's fields before its first list, as written: equal to the whole manifest's. */
    @Test
    void aHeaderReadsBackAsTheManifestsOwnAndNothingWhenItsFieldsDoNotComeFirst() throws Exception {
        for (boolean tokenizeRest : new boolean[] {true, false}) {
            for (Manifest m : List.of(sample(), withParts())) {
                assertEquals(java.util.Optional.of(m.header()),
                        ManifestJson.readHeader(new java.io.ByteArrayInputStream(ManifestJson.write(m)), tokenizeRest));
            }
            String json = new String(ManifestJson.write(sample()), java.nio.charset.StandardCharsets.UTF_8);
            // a manifest with a list before "parent" (no pgvault writes one): read whole instead
            String reordered = json.replace("\"parent\":null,", "\"earlier\":[],\"parent\":null,");
            assertTrue(!reordered.equals(json));
            assertEquals(java.util.Optional.empty(), header(reordered, tokenizeRest));
            // page_checksums after a list: read whole, where it is true (review of 9789f2d: it read as off)
            String moved = json.replace("\"page_checksums\":true,", "").replace("\"files\":[", "\"page_checksums\":true,\"files\":[");
            assertTrue(moved.indexOf("page_checksums") > moved.indexOf("\"directories\""));
            assertEquals(java.util.Optional.empty(), header(moved, tokenizeRest));
            assertTrue(ManifestJson.read(new java.io.ByteArrayInputStream(moved.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .pageChecksums());
            java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(ManifestJson.MalformedManifestException.class,
                    () -> header(json.replace("\"stop_lsn\":\"0/2000138\"", "\"stop_lsn\":\"nowhere\""), tokenizeRest));
            assertEquals("backup manifest is malformed: field 'stop_lsn' has a bad value 'nowhere'", e.getMessage());
        }
    }

    /** info shows sizes from the header alone: they must be the lists' sums, and a manifest without them is summed whole. */
    @Test
    void theHeaderRecordsTheSumsOverTheListsAndAManifestWithoutThemIsSummedWhole() throws Exception {
        Manifest m = sample();
        BackupTotals sums = new BackupTotals(3 + 3L * 1024 * 1024 * 1024 + 10, 80 + 12345, 2);
        assertEquals(sums, m.totals());
        String json = new String(ManifestJson.write(m), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(json.indexOf("\"bad_page_count\":2") < json.indexOf("\"directories\""), json);
        assertEquals(sums, header(json, false).orElseThrow().totals());

        String old = withoutTotals(json);
        assertEquals(null, header(old, true).orElseThrow().totals(), "written before the header had them");
        assertEquals(sums, ManifestJson.read(new ByteArrayInputStream(old.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .header().totals());

        String wrong = json.replace("\"stored_bytes\":12425", "\"stored_bytes\":12426");
        assertTrue(!wrong.equals(json));
        assertEquals(m, ManifestJson.read(new ByteArrayInputStream(wrong.getBytes(java.nio.charset.StandardCharsets.UTF_8))),
                "a restore does not fail on what only info shows (verify reports it)");
        // a total missing, null or not a count: none shown from the header, and nothing refused (review of e64d5a6)
        for (String odd : List.of(json.replace("\"stored_bytes\":12425,", ""), json.replace("\"stored_bytes\":12425", "\"stored_bytes\":null"),
                json.replace("\"stored_bytes\":12425", "\"stored_bytes\":\"many\""), json.replace("\"stored_bytes\":12425", "\"stored_bytes\":-3"))) {
            assertTrue(!odd.equals(json));
            assertEquals(null, header(odd, true).orElseThrow().totals(), odd);
            assertEquals(m, ManifestJson.read(new ByteArrayInputStream(odd.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        }
    }

    /** {@code json} as a pgvault from before the header's totals wrote it. */
    public static String withoutTotals(String json) {
        String old = json.replaceFirst("\"size_bytes\":\\d+,\"stored_bytes\":\\d+,\"bad_page_count\":\\d+,", "");
        assertTrue(!old.equals(json) && !old.contains("bad_page_count"), json);
        return old;
    }

    /**
     * Review of 9789f2d: a manifest garbled after its header passed. Tokenized, the rest must be JSON
     * to its end, no field named twice; not tokenized (a restore's choice), the header alone counts.
     */
    @Test
    void withItsRestTokenizedAManifestGarbledAfterItsHeaderIsRefused() throws Exception {
        String json = new String(ManifestJson.write(sample()), java.nio.charset.StandardCharsets.UTF_8);
        String again = json.replace("\"files\":[", "\"timeline\":2,\"files\":["); // a header field again after a list
        for (String garbled : List.of(again, json.substring(0, json.length() - 2), json.replace("\"sha256\":\"cd34\"", "\"sha256\":cd34"),
                json.replace("\"mode\":384,", "\"mode\":384,\"mode\":384,"), json + "{}")) {
            assertTrue(!garbled.equals(json));
            org.junit.jupiter.api.Assertions.assertThrows(ManifestJson.MalformedManifestException.class, () -> header(garbled, true),
                    garbled.substring(Math.max(0, garbled.length() - 60)));
            assertEquals(java.util.Optional.of(sample().header()), header(garbled, false));
        }
    }

    private static java.util.Optional<BackupHeader> header(String json, boolean tokenizeRest) throws java.io.IOException {
        return ManifestJson.readHeader(new java.io.ByteArrayInputStream(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                tokenizeRest);
    }

    /** Found by ManifestFuzzTrialsTest: 281 of 2,000 malformed manifests gave messages naming Java classes. */
    @Test
    void aMalformedManifestIsNamedInWordsNotJavaClasses() throws Exception {
        String json = new String(ManifestJson.write(sample()), java.nio.charset.StandardCharsets.UTF_8);
        java.util.Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put(json.replaceFirst("\"type\":\"full\",", ""), "backup manifest is malformed: field 'type' is missing");
        cases.put(json.replaceFirst("\"timeline\":1", "\"timeline\":\"one\""),
                "backup manifest is malformed: field 'timeline' has a bad value 'one'");
        cases.put(json.replaceFirst("\\{", "{{"), "backup manifest is malformed: Unexpected character ('{' (code 123)): was expecting"
                + " double-quote to start field name (line 1, column 2)");
        assertEquals(3, cases.size());
        // Found by the fuzz trial: two file entries run together read as the second alone.
        int files = json.indexOf("\"files\":[");
        int next = json.indexOf("},{\"path\"", files);
        String merged = json.substring(0, next) + "," + json.substring(next + 3);
        java.io.IOException dup = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> ManifestJson.read(new ByteArrayInputStream(merged.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        assertTrue(dup.getMessage().startsWith("backup manifest is malformed: Duplicate field 'path'"), dup.getMessage());
        assertTrue(!dup.getMessage().contains("Exception") && !dup.getMessage().contains("java."), dup.getMessage());
        for (var c : cases.entrySet()) {
            assertTrue(!c.getKey().equals(json), "the case changed the manifest: " + c.getValue());
            java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> ManifestJson.read(new ByteArrayInputStream(c.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8))));
            assertEquals(c.getValue(), e.getMessage());
        }
    }

    @Test
    void aManifestReadsBackEqual() throws Exception {
        Manifest m = sample();
        Manifest back = ManifestJson.read(new ByteArrayInputStream(ManifestJson.write(m)));
        assertEquals(m, back);
        assertEquals(null, back.files().get(2).object(), "an empty file has no object, not the text 'null'");
        assertEquals(2L, back.badPageCount());
        assertEquals(3L * 1024 * 1024 * 1024 + 13, back.sizeBytes());
        assertEquals(12425L, back.storedBytes());
    }

    @Test
    void nullLabelFieldsAndAnEmptyBackupReadBack() throws Exception {
        Manifest m = sample();
        Manifest bare = new Manifest(m.id(), m.type(), "20261125-000000F", m.startTime(), m.stopTime(), m.startLsn(),
                m.stopLsn(), 2, m.startWal(), m.stopWal(), m.cluster(), false, m.backupLabel(), null,
                List.of(), List.of(), List.of());
        assertEquals(bare, ManifestJson.read(new ByteArrayInputStream(ManifestJson.write(bare))));
    }

    /** {@link #sample()} with base/5/16384 split into two parts. */
    static Manifest withParts() {
        Manifest m = sample();
        long half = 3L * 512 * 1024 * 1024;
        List<FileEntry> files = new java.util.ArrayList<>(m.files());
        files.set(1, new FileEntry("base/5/16384", 2 * half, null, 1_700_000_001L, 0600, null, 0, List.of(7L),
                List.of(new FilePart("part/base/5/16384/0", 0, half, "aa01"), new FilePart("part/base/5/16384/1", half, half, "bb02"))));
        return new Manifest(m.id(), m.type(), m.parent(), m.startTime(), m.stopTime(), m.startLsn(), m.stopLsn(), m.timeline(),
                m.startWal(), m.stopWal(), m.cluster(), m.pageChecksums(), m.backupLabel(), m.tablespaceMap(), m.directories(),
                files, List.of(m.objects().get(0), new StoredObject("part/base/5/16384/0", half, 100, "aa01"),
                        new StoredObject("part/base/5/16384/1", half, 100, "bb02")));
    }

    @Test
    void aManifestWithPartsReadsBackEqualAsFormat2() throws Exception {
        Manifest m = withParts();
        byte[] json = ManifestJson.write(m);
        assertTrue(new String(json, java.nio.charset.StandardCharsets.UTF_8).startsWith("{\"format\":2,"));
        Manifest back = ManifestJson.read(new ByteArrayInputStream(json));
        assertEquals(m, back);
        FileEntry split = back.files().get(1);
        assertTrue(split.split());
        assertEquals(null, split.object());
        assertEquals(null, split.sha256());
        assertEquals(3L * 512 * 1024 * 1024, split.parts().get(1).offset());
    }

    @Test
    void aManifestWithoutPartsIsStillFormat1() throws Exception {
        String json = new String(ManifestJson.write(sample()), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(json.startsWith("{\"format\":1,"), json);
    }

    /** A format-1 manifest as pgvault wrote it before parts existed. */
    static final String FORMAT_1 = """
            {"format":1,"id":"20261126-031500F","type":"full","parent":null,"start_time":"2026-11-26T03:15:00Z",
            "stop_time":"2026-11-26T03:15:07Z","start_lsn":"0/2000028","stop_lsn":"0/2000138","timeline":1,
            "start_wal":"000000010000000000000002","stop_wal":"000000010000000000000002",
            "system_identifier":"7300000000000000001","pg_version_num":150004,"wal_segment_size":16777216,
            "page_checksums":true,"backup_label":"START WAL LOCATION: 0/2000028\\n","tablespace_map":null,
            "directories":[{"path":"base","mode":448}],
            "objects":[{"key":"data/base/5/16384","plain_size":2097152,"stored_size":999,"sha256":"cd34"}],
            "files":[{"path":"base/5/16384","size":2097152,"sha256":"cd34","mtime":1700000001,"mode":384,
            "object":"data/base/5/16384","offset":0,"bad_pages":[3]}]}
            """;

    @Test
    void aFormat1ManifestStillReads() throws Exception {
        Manifest m = ManifestJson.read(new ByteArrayInputStream(FORMAT_1.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        FileEntry f = m.files().get(0);
        assertEquals(new FileEntry("base/5/16384", 2097152, "cd34", 1700000001L, 0600, "data/base/5/16384", 0, List.of(3L)), f);
        assertEquals(List.of(), f.parts());
    }

    @Test
    void aChainManifestRoundTripsAsFormat3AndAnEarlierFormatMayNotHoldIt() throws Exception {
        Manifest m = ManifestJson.read(new ByteArrayInputStream(FORMAT_1.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        FileEntry base = new FileEntry("base/5/16384", 2097152, "cd34", 1700000001L, 0600, "data/base/5/16384", 0, List.of(),
                List.of(), "20261126-031500F", null, List.of());
        FileEntry paged = new FileEntry("base/5/16384", 2105344, null, 1700000009L, 0600, null, 0, List.of(7L), List.of(), null,
                base, List.of(new PageRun("20261126-031500I", "page/base/5/16384", "ab01", List.of(3L, 4L)),
                        new PageRun(null, "page/base/5/16384", "ab02", List.of(4L, 256L))));
        FileEntry reused = new FileEntry("PG_VERSION", 3, "ef56", 1700000000L, 0600, "bundle/1", 12, List.of(), List.of(),
                "20261126-031500F", null, List.of());
        Manifest chain = new Manifest("20261127-031500I", BackupType.INCR, "20261126-031500I", m.startTime(), m.stopTime(),
                m.startLsn(), m.stopLsn(), m.timeline(), m.startWal(), m.stopWal(), m.cluster(), m.pageChecksums(),
                m.backupLabel(), m.tablespaceMap(), m.directories(), List.of(reused, paged),
                List.of(new StoredObject("page/base/5/16384", 16384, 100, "ab02")));
        byte[] json = ManifestJson.write(chain);
        assertTrue(new String(json, java.nio.charset.StandardCharsets.UTF_8).contains("\"format\":3"));
        Manifest read = ManifestJson.read(new ByteArrayInputStream(json));
        assertEquals(chain.files(), read.files());
        assertEquals(BackupType.INCR, read.type());
        assertEquals("20261126-031500I", read.parent());
        String as2 = new String(json, java.nio.charset.StandardCharsets.UTF_8).replace("\"format\":3", "\"format\":2");
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> ManifestJson.read(new ByteArrayInputStream(as2.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        assertTrue(e.getMessage().contains("only format 3 has files held by an earlier backup"), e.getMessage());
    }

    @Test
    void anUnknownFormatOrPartsInFormat1AreRefused() {
        String future = FORMAT_1.replace("\"format\":1", "\"format\":4");
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> ManifestJson.read(new ByteArrayInputStream(future.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        assertTrue(e.getMessage().contains("format 4 is not supported"), e.getMessage());
        String partsIn1 = FORMAT_1.replace("\"bad_pages\":[3]",
                "\"parts\":[{\"object\":\"data/base/5/16384\",\"offset\":0,\"size\":2097152,\"sha256\":\"cd34\"}]");
        e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> ManifestJson.read(new ByteArrayInputStream(partsIn1.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        assertTrue(e.getMessage().contains("format 1 has no split files"), e.getMessage());
    }
}
