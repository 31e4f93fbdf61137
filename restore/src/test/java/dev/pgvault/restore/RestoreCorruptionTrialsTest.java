package dev.pgvault.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.restore.recovery.RecoveryOptions;
import dev.pgvault.storage.BlobInfo;
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.fs.FsBlobStore;
import dev.pgvault.storage.trials.Damage;
import dev.pgvault.storage.trials.Trials;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded corruption trials for restore (issue 10): the test backup of {@link RestoreTest} (a file
 * alone, a bundle of small files, an empty file, a tablespace), in each codec, with one of its
 * objects damaged at random — a byte flipped, cut, deleted, bytes appended or a range zeroed, the
 * manifest included. The restore must fail naming what it could not restore (a deleted manifest:
 * the stanza has no backup, as a backup exists only once its manifest is written), and leave nothing
 * PostgreSQL would start: no {@code recovery.signal}, {@code backup_label}, {@code
 * global/pg_control} or {@code tablespace_map}. {@code -Dpgvault.trials.corruption=N} (default
 * 60), {@code -Dpgvault.trials.seed=S}.
 */
class RestoreCorruptionTrialsTest {
    /** The damages tried: a backup has one object of each kind, so none is swapped for another. */
    private static final Damage[] DAMAGES = {Damage.FLIP, Damage.CUT, Damage.DELETE, Damage.APPEND, Damage.ZERO};

    @TempDir
    Path dir;

    @Test
    void aRestoreReadingADamagedObjectFailsAndLeavesNothingStartable() throws Exception {
        Trials trials = Trials.of("restore corruption", "pgvault.trials.corruption", 60);
        Random random = trials.random();
        List<CodecSpec> codecs = RestoreTest.codecs().toList();
        Map<Damage, int[]> tally = new EnumMap<>(Damage.class);
        List<String> failed = new ArrayList<>();
        for (int trial = 0; trial < trials.count(); trial++) {
            Path root = Files.createDirectories(dir.resolve("t" + trial).resolve("repo"));
            CodecSpec spec = codecs.get(random.nextInt(codecs.size()));
            try (EncodedStore repo = new EncodedStore(new FsBlobStore(root), spec)) {
                new StanzaStore(repo, RestoreTest.LAYOUT).init(RestoreTest.CLUSTER);
                RestoreTest.fullBackup(repo, root.resolveSibling("ts")).write();
                String prefix = RestoreTest.LAYOUT.backupDir(RestoreTest.ID);
                List<String> keys;
                try (Stream<BlobInfo> s = repo.blobs().list(prefix)) {
                    keys = s.map(BlobInfo::key).sorted().toList();
                }
                String key = keys.get(random.nextInt(keys.size()));
                Damage damage = DAMAGES[random.nextInt(DAMAGES.length)];
                damage(repo, key, damage, random);
                Path pgdata = root.resolveSibling("pgdata");
                String what = trials.trial(trial) + " " + damage + " " + key + " (" + spec + ")";
                try {
                    new Restore(repo, RestoreTest.LAYOUT, 2, RestoreTest.CLOCK)
                            .run(RestoreTest.request(pgdata, RecoveryOptions.endOfArchive()));
                    failed.add(what + ": the restore succeeded");
                } catch (IOException | RuntimeException e) {
                    String message = String.valueOf(e.getMessage());
                    String object = key.substring(prefix.length());
                    boolean named = message.contains(object) || message.contains(RestoreTest.ID)
                            || object.startsWith("data/") && message.contains(object.substring("data/".length()));
                    if (damage == Damage.DELETE && object.equals("backup.manifest")) {
                        // a backup exists only once its manifest is written: without it there is none to restore
                        named = message.contains("has no backups");
                    }
                    if (!named) {
                        failed.add(what + ": not named in: " + message);
                    }
                    for (String f : List.of("recovery.signal", "backup_label", "global/pg_control", "tablespace_map")) {
                        if (Files.exists(pgdata.resolve(f), LinkOption.NOFOLLOW_LINKS)) {
                            failed.add(what + ": left " + f + " after: " + message);
                        }
                    }
                }
                tally.computeIfAbsent(damage, d -> new int[1])[0]++;
            }
        }
        System.out.println("restore corruption trials by damage: " + tally.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()[0]).toList() + "; failed: " + failed.size());
        assertEquals(List.of(), failed);
    }

    /** Damages the object as stored, header and encoding included. */
    private static void damage(EncodedStore repo, String key, Damage damage, Random random) throws IOException {
        if (damage == Damage.DELETE) {
            repo.blobs().delete(key);
            return;
        }
        byte[] b;
        try (InputStream in = repo.blobs().get(key)) {
            b = in.readAllBytes();
        }
        repo.blobs().put(key, BlobWriter.of(damage.apply(b, random)));
    }
}
