package dev.pgvault.restore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.backup.FileEntry;
import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.fs.FsBlobStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code restore --delta --trust-times} along a chain: the full A, the incremental X on A that
 * stores a table as one changed page over A's copy, and the incremental B on X that finds the
 * table unchanged (the same pages over the same base; its time and mode changed). Each delta ends
 * as a restore into an empty directory writes: bytes, modes and times.
 */
class TrustTimesChainTest {
    private static final String A = "20261126-031530F";
    private static final String X = "20261127-031530I";
    private static final String B = "20261128-031530I";
    private static final long MTIME = RestoreTest.MTIME;
    private static final String TABLE = "base/5/16384";
    private static final long CHANGED_BLOCK = 100;

    @TempDir
    Path tmp;

    private EncodedStore repo;

    @BeforeEach
    void aChainOfThree() throws Exception {
        repo = new EncodedStore(new FsBlobStore(Files.createDirectories(tmp.resolve("repo"))), CodecSpec.DEFAULT);
        new StanzaStore(repo, RestoreTest.LAYOUT).init(RestoreTest.CLUSTER);
        Manifest a = dirs(new HandMadeBackup(repo, RestoreTest.LAYOUT, A))
                .alone(TABLE, RestoreTest.BIG, 0600, MTIME)
                .bundle(new HandMadeBackup.Small("PG_VERSION", "15\n".getBytes(UTF_8), 0600, MTIME - 100),
                        new HandMadeBackup.Small("global/pg_control", RestoreTest.CONTROL, 0600, MTIME - 1))
                .write();
        FileEntry tableOfA = entry(a, TABLE).inheritedFrom(A, MTIME, 0600); // the base, as a later backup names it
        TreeMap<Long, byte[]> page = new TreeMap<>();
        page.put(CHANGED_BLOCK, RestoreTest.bytes(8192, 7));
        Manifest x = dirs(new HandMadeBackup(repo, RestoreTest.LAYOUT, X).incrementalOn(A))
                .paged(TABLE, tableOfA, List.of(), page, RestoreTest.BIG.length, 0600, MTIME + 3600)
                .entry(entry(a, "PG_VERSION").inheritedFrom(A, MTIME - 100, 0600))
                .bundle(new HandMadeBackup.Small("global/pg_control", RestoreTest.bytes(8192, 8), 0600, MTIME + 3599))
                .stoppedAt("2026-11-27T03:16:00Z", "0/5000100")
                .write();
        dirs(new HandMadeBackup(repo, RestoreTest.LAYOUT, B).incrementalOn(X))
                .entry(entry(x, TABLE).inheritedFrom(X, MTIME + 7200, 0640)) // the same pages; touched, its mode changed
                .entry(entry(x, "PG_VERSION").inheritedFrom(X, MTIME - 100, 0600))
                .bundle(new HandMadeBackup.Small("global/pg_control", RestoreTest.bytes(8192, 9), 0600, MTIME + 7199))
                .stoppedAt("2026-11-28T03:16:00Z", "0/7000100")
                .write();
    }

    private static HandMadeBackup dirs(HandMadeBackup b) {
        return b.dir("base", 0700).dir("base/5", 0700).dir("global", 0700).dir("pg_wal", 0700).dir("pg_tblspc", 0700);
    }

    private static FileEntry entry(Manifest m, String path) {
        return m.files().stream().filter(f -> f.path().equals(path)).findFirst().orElseThrow();
    }

    private RestoreResult restore(Path pgdata, String backup, boolean delta, boolean trustTimes) throws Exception {
        return TrustTimesDeltaTest.restore(repo, pgdata, backup, delta, trustTimes, TablespaceRemap.NONE);
    }

    /** Changes a restored copy before the delta. */
    private interface Change {
        void apply(Path copy) throws Exception;
    }

    /**
     * A copy restored from {@code from}, {@code change}d, then brought to {@code to} trusting its
     * times (the delta's result): it equals a fresh restore of {@code to}.
     */
    private RestoreResult broughtTo(String from, String to, Change change) throws Exception {
        Path fresh = tmp.resolve("fresh");
        restore(fresh, to, false, false);
        Path copy = tmp.resolve("copy");
        restore(copy, from, false, false);
        change.apply(copy);

        RestoreResult r = restore(copy, to, true, true);

        assertEquals(DeltaRestoreTest.tree(fresh), DeltaRestoreTest.tree(copy));
        return r;
    }

    @Test
    void aCopyOfTheFullBroughtToTheIncrementalJudgesThePagedFilesBaseWithoutHashingIt() throws Exception {
        RestoreResult r = broughtTo(A, X, copy -> { });
        // the table's base (A's copy, which the copy holds) and PG_VERSION; not pg_control (deleted
        // first) nor postgresql.auto.conf (the restore of A wrote its settings into it)
        assertEquals(2, r.delta().notHashed(), r.toString());
        // X's page, pg_control and postgresql.auto.conf's recovery settings: not the table's base
        assertTrue(r.bytes() < 3 * 8192, r.toString());
    }

    @Test
    void aCopyOfTheIncrementalBroughtToTheNextKeepsATableStoredAsTheSamePagesWithItsNewModeAndTime() throws Exception {
        RestoreResult r = broughtTo(X, B, copy -> { });
        assertEquals(2, r.delta().notHashed(), r.toString()); // the table and PG_VERSION
        // pg_control only: neither the table's base nor its page written again
        assertEquals(8192, r.bytes(), r.toString());
        assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(tmp.resolve("copy").resolve(TABLE))));
    }

    @Test
    void aTableWrittenSinceTheRestoreIsWrittenFromItsBaseAndItsPagesAgain() throws Exception {
        RestoreResult r = broughtTo(X, B, copy -> {
            byte[] b = Files.readAllBytes(copy.resolve(TABLE));
            b[5] ^= 1;
            Files.write(copy.resolve(TABLE), b);
        });
        assertEquals(1, r.delta().notHashed(), r.toString()); // PG_VERSION
        assertTrue(r.bytes() > RestoreTest.BIG.length, r.toString());
    }
}
