package dev.pgvault.archiver.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaNotInitializedException;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.WalArchive;
import dev.pgvault.archiver.expire.RetentionPolicy;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.fs.FsBlobStore;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** info's view of a stanza: complete backups only, oldest first, the WAL range, the window. */
class StanzaInfoTest {
    private static final RepositoryLayout LAYOUT = new RepositoryLayout("main");

    @TempDir
    Path tmp;

    @Test
    void listsCompleteBackupsOldestFirstWithTheWalRangeAndWindow() throws Exception {
        EncodedStore repo = new EncodedStore(new FsBlobStore(tmp), CodecSpec.DEFAULT);
        Manifest sample = ManifestJsonTest.sample();
        new StanzaStore(repo, LAYOUT).init(sample.cluster());
        Manifest newer = withId(sample, "20261127-031500F", "0/5000028", "000000010000000000000005");
        // newer as written before the header recorded its totals: info sums its lists
        repo.put(LAYOUT.manifestKey(newer.id()), BlobWriter.of(ManifestJsonTest.withoutTotals(
                new String(ManifestJson.write(newer), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)));
        repo.put(LAYOUT.manifestKey(sample.id()), BlobWriter.of(ManifestJson.write(sample)));
        repo.put(LAYOUT.backupDir("20261128-000000F") + "bundle/1", BlobWriter.of(new byte[10])); // killed half-way
        for (String wal : List.of("000000010000000000000001", "000000010000000000000002", "000000010000000000000006",
                "000000010000000000000002.00000028.backup", "00000002.history")) {
            repo.put(LAYOUT.walKey(WalFileName.parse(wal)), BlobWriter.of(new byte[] {1}));
        }

        StanzaInfo info = StanzaInfo.read(repo, LAYOUT);
        assertEquals(List.of(sample.id(), newer.id()), info.backups().stream().map(BackupHeader::id).toList());
        assertEquals(List.of(sample.totals(), newer.totals()), info.backups().stream().map(BackupHeader::totals).toList());
        assertEquals(new StanzaInfo.WalRange("000000010000000000000001", "000000010000000000000006", 3), info.archive());
        StanzaInfo.Recoverable r = info.recoverable().orElseThrow();
        assertEquals(sample.id(), r.earliestBackup());
        assertEquals(sample.stopTime(), r.earliestTime());
        assertEquals("000000010000000000000006", r.latestWal());
        assertEquals(Lsn.parse("0/7000000"), r.latestLsn());

        String json = json(info);
        assertEquals(List.of("stanza", "backups", "archive", "recoverable", "retention", "archiver", "receiver"), keys(json, 1));
        assertTrue(json.contains("\"receiver\" : null"), json);
        assertTrue(json.contains("\"archiver\" : {\n    \"async\" : false,"), json);
        assertEquals(List.of("id", "type", "parent", "start_time", "stop_time", "start_lsn", "stop_lsn", "timeline",
                "size_bytes", "stored_bytes", "keep"), keys(json, 3).subList(0, 11));
        assertTrue(json.contains("\"keep\" : false"), json);
        assertTrue(json.contains("\"retention\" : {\n    \"full\" : 2,\n    \"window\" : null\n  }"), json);
        assertTrue(json.contains("\"start_time\" : \"2026-11-26T03:15:00.123456Z\""), json);
        assertTrue(json.contains("\"size_bytes\" : " + sample.sizeBytes()), json);

        // what info shows comes from the header (its lists are not parsed): recorded totals that
        // are not the lists' sums (verify reports those) are shown as recorded
        String recorded = new String(ManifestJson.write(sample), StandardCharsets.UTF_8)
                .replaceFirst("\"size_bytes\":" + sample.sizeBytes(), "\"size_bytes\":12345");
        repo.put(LAYOUT.manifestKey(sample.id()), BlobWriter.of(recorded.getBytes(StandardCharsets.UTF_8)));
        assertEquals(12345, StanzaInfo.read(repo, LAYOUT).backups().get(0).totals().sizeBytes());
        assertTrue(json.contains("\"min\" : \"000000010000000000000001\""), json);
    }

    /** wal-receive's segment in progress extends the window to its last stored byte; other streams do not. */
    @Test
    void theWindowReachesTheLastStreamedByteBeyondTheNewestCompleteSegment() throws Exception {
        EncodedStore repo = new EncodedStore(new FsBlobStore(tmp), CodecSpec.DEFAULT);
        Manifest sample = ManifestJsonTest.sample();
        new StanzaStore(repo, LAYOUT).init(sample.cluster());
        repo.put(LAYOUT.manifestKey(sample.id()), BlobWriter.of(ManifestJson.write(sample)));
        for (String wal : List.of("000000010000000000000001", "000000010000000000000002", "000000010000000000000006")) {
            repo.put(LAYOUT.walKey(WalFileName.parse(wal)), BlobWriter.of(new byte[] {1}));
        }
        WalArchive archive = new WalArchive(repo, LAYOUT, sample.cluster());
        byte[] wal = new byte[4000];
        new java.util.Random(7).nextBytes(wal);
        // left behind beside complete segments: not beyond the archive, so not counted
        archive.putStream(WalFileName.parse("000000010000000000000002"), wal, 4000);
        archive.putStream(WalFileName.parse("000000010000000000000005"), wal, 4000);
        WalFileName inProgress = WalFileName.parse("000000010000000000000007");
        archive.putStream(inProgress, wal, 1000);
        archive.putStreamPart(inProgress, wal, 1000, 1500);

        StanzaInfo info = StanzaInfo.read(repo, LAYOUT);
        assertEquals(new StanzaInfo.StreamTip("000000010000000000000007", 1500), info.streamTip());
        assertEquals(3, info.archive().segments(), "streams are not complete segments");
        StanzaInfo.Recoverable r = info.recoverable().orElseThrow();
        assertEquals("000000010000000000000007", r.latestWal());
        assertEquals(Lsn.parse("0/70005DC"), r.latestLsn());
        assertTrue(r.latestStreamed());
        String json = json(info);
        assertTrue(json.contains("\"latest\" : {\n      \"wal\" : \"000000010000000000000007\",\n      \"lsn\" : \"0/70005DC\",\n"
                + "      \"streamed\" : true\n    }"), json);

        // A stream past a hole (segment 8 missing) does not extend the window.
        archive.putStream(WalFileName.parse("000000010000000000000009"), wal, 4000);
        assertEquals(new StanzaInfo.StreamTip("000000010000000000000007", 1500), StanzaInfo.read(repo, LAYOUT).streamTip(),
                "9 is past a hole: 7, which continues the archive, is the tip");
        archive.deleteStream(inProgress);
        assertEquals(null, StanzaInfo.read(repo, LAYOUT).streamTip(), "9 alone, past a hole, is no tip");
        archive.putStream(inProgress, wal, 1500);
        archive.deleteStream(WalFileName.parse("000000010000000000000009"));

        // Once the segment is stored complete (and its stream removed), the window ends with it.
        repo.put(LAYOUT.walKey(WalFileName.parse("000000010000000000000007")), BlobWriter.of(new byte[] {1}));
        archive.deleteStream(inProgress);
        StanzaInfo.Recoverable after = StanzaInfo.read(repo, LAYOUT).recoverable().orElseThrow();
        assertEquals(Lsn.parse("0/8000000"), after.latestLsn());
        assertTrue(!after.latestStreamed());
    }

    @Test
    void anEmptyStanzaSaysSoAndAnUninitializedOneIsAnError() throws Exception {
        EncodedStore repo = new EncodedStore(new FsBlobStore(tmp), CodecSpec.DEFAULT);
        StanzaNotInitializedException e = assertThrows(StanzaNotInitializedException.class,
                () -> StanzaInfo.read(repo, LAYOUT));
        assertTrue(e.getMessage().contains("pgvault init"), e.getMessage());

        new StanzaStore(repo, LAYOUT).init(new ClusterIdentity(1, 150004, 16 << 20, Instant.EPOCH));
        StanzaInfo info = StanzaInfo.read(repo, LAYOUT);
        assertEquals(List.of(), info.backups());
        assertTrue(info.recoverable().isEmpty());
        String json = json(info);
        assertTrue(json.contains("\"backups\" : [ ]"), json);
        assertTrue(json.contains("\"min\" : null"), json);
        assertTrue(json.contains("\"recoverable\" : null"), json);
    }

    private static Manifest withId(Manifest m, String id, String stopLsn, String stopWal) {
        return new Manifest(id, m.type(), null, m.startTime().plusSeconds(86400), m.stopTime().plusSeconds(86400),
                m.startLsn(), Lsn.parse(stopLsn), m.timeline(), m.startWal(), stopWal, m.cluster(), m.pageChecksums(),
                m.backupLabel(), m.tablespaceMap(), m.directories(), m.files(), m.objects());
    }

    private static String json(StanzaInfo info) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StanzaInfoJson.write(info, new RetentionPolicy(OptionalInt.of(2), Optional.empty()), out);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Field names at nesting depth {@code depth} (1: the top object), in order. */
    private static List<String> keys(String json, int depth) throws Exception {
        List<String> keys = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(json)) {
            int level = 0;
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    level++;
                } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    level--;
                } else if (t == JsonToken.FIELD_NAME && level == depth) {
                    keys.add(p.currentName());
                }
            }
        }
        return keys;
    }
}
