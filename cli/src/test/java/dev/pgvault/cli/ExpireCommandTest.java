package dev.pgvault.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.backup.BackupId;
import dev.pgvault.archiver.backup.BackupType;
import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.archiver.backup.ManifestJson;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.fs.FsBlobStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** expire and keep as a user meets them: the lines, the exit codes, and nothing removed on bad input. */
class ExpireCommandTest {
    private static final int SEG = 16 << 20;

    @TempDir
    Path dir;

    Path repo;
    Path cfg;
    final List<String> ids = new ArrayList<>();

    @BeforeEach
    void threeBackups() throws Exception {
        repo = Files.createDirectory(dir.resolve("repo"));
        cfg = config("");
        RepositoryLayout layout = new RepositoryLayout("main");
        try (EncodedStore store = new EncodedStore(new FsBlobStore(repo), CodecSpec.DEFAULT)) {
            ClusterIdentity cluster = new ClusterIdentity(42, 150004, SEG, Instant.EPOCH);
            new StanzaStore(store, layout).init(cluster);
            for (int d = 0; d < 3; d++) {
                Instant t = Instant.parse("2026-11-01T02:00:00Z").plus(Duration.ofDays(d));
                String id = BackupId.of(t, BackupType.FULL);
                long seg = 10L * d + 2;
                Manifest m = new Manifest(id, BackupType.FULL, null, t, t.plusSeconds(60), new Lsn(seg * SEG + 40),
                        new Lsn(seg * SEG + 400), 1, WalFileName.segmentName(1, seg, SEG), WalFileName.segmentName(1, seg, SEG),
                        cluster, true, "label", null, List.of(), List.of(), List.of());
                store.put(layout.manifestKey(id), BlobWriter.of(ManifestJson.write(m)));
                ids.add(id);
            }
            for (long n = 1; n <= 25; n++) {
                store.put(layout.walKey(WalFileName.parse(WalFileName.segmentName(1, n, SEG))), BlobWriter.of(new byte[] {1}));
            }
        }
    }

    private Path config(String extra) throws Exception {
        Path c = dir.resolve("pgvault.yaml");
        Files.writeString(c, "stanza: main\nrepo:\n  path: " + repo + "\n" + extra);
        return c;
    }

    private List<String> objects() throws Exception {
        try (Stream<Path> s = Files.walk(repo)) {
            return s.filter(Files::isRegularFile).map(p -> repo.relativize(p).toString()).sorted().toList();
        }
    }

    private MainTest.Result run(String... args) {
        List<String> all = new ArrayList<>(List.of("--config", cfg.toString()));
        all.addAll(List.of(args));
        return MainTest.run(all.toArray(String[]::new));
    }

    @Test
    void badInputIsOneLineNamingWhatIsWrongAndRemovesNothing() throws Exception {
        List<String> before = objects();
        MainTest.Result zero = run("expire", "--retention-full", "0");
        assertEquals(2, zero.code());
        assertEquals("pgvault: --retention-full must be at least 1, not 0 (to keep every backup, set no retention)\n", zero.err());
        MainTest.Result window = run("expire", "--retention-window", "3x");
        assertEquals(2, window.code());
        assertEquals("pgvault: --retention-window: '3x' is not a duration (a whole number and a unit: s, m, h, d or w, as"
                + " in 14d)\n", window.err());
        MainTest.Result age = run("expire", "--garbage-age", "-5h");
        assertEquals(2, age.code(), age.err());
        MainTest.Result keep = run("keep", "20991231-000000F");
        assertEquals(1, keep.code());
        assertEquals("pgvault: no backup '20991231-000000F' in stanza 'main' (see 'pgvault info' for the backup ids)\n",
                keep.err());
        MainTest.Result release = run("keep", "--release", "nonsense");
        assertEquals(1, release.code());
        assertEquals(1, release.err().lines().count(), release.err());
        cfg = config("retention:\n  full: 0\n");
        MainTest.Result file = run("expire");
        assertEquals(3, file.code());
        assertTrue(file.err().startsWith("pgvault: out of range 1..100000 (0): 'retention.full' in "), file.err());
        assertEquals(before, objects());
    }

    @Test
    void expireSaysWhatItRemovedAndWhy() throws Exception {
        MainTest.Result dry = run("expire", "--retention-full", "1", "--dry-run");
        assertEquals(0, dry.code(), dry.err());
        assertTrue(dry.out().contains("expired " + ids.get(0) + ": beyond retention full=1\n"), dry.out());
        assertTrue(dry.out().contains("expired " + ids.get(1) + ": beyond retention full=1\n"), dry.out());
        assertTrue(dry.out().contains("removed WAL of timeline 1: 000000010000000000000001 .. 000000010000000000000015"
                + " (21 files, "), dry.out());
        assertTrue(dry.out().strip().endsWith("would be freed"), dry.out());
        assertTrue(dry.out().contains("dry run, nothing removed: retention full=1; 2 expired, 1 kept;"), dry.out());
        assertEquals(29, objects().size(), "cluster.json, 3 manifests, 25 segments");

        MainTest.Result pin = run("keep", ids.get(0));
        assertEquals("pinned backup " + ids.get(0) + ": no retention rule removes it\n", pin.out());
        MainTest.Result info = run("info", "--output", "json");
        assertTrue(info.out().contains("\"keep\" : true"), info.out());

        MainTest.Result json = run("expire", "--retention-full", "1", "--output", "json");
        assertEquals(0, json.code(), json.err());
        assertTrue(json.out().contains("\"id\" : \"" + ids.get(1) + "\",\n    \"reason\" : \"beyond retention full=1\""),
                json.out());
        assertTrue(json.out().contains("\"reason\" : \"pinned\",\n    \"pinned\" : true"), json.out());
        assertTrue(objects().contains("main/wal/0000000100000000/000000010000000000000002"), "the pinned backup's WAL stays");
        assertTrue(!objects().contains("main/wal/0000000100000000/000000010000000000000003"), "the WAL after it may go");

        MainTest.Result none = run("expire");
        assertEquals(0, none.code(), none.err());
        assertTrue(none.out().startsWith("no retention set"), none.out());
    }
}
