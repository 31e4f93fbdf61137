package dev.pgvault.restore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.restore.recovery.RecoveryOptions;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.fs.FsBlobStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code restore --delta}: an existing stopped directory brought to exactly what a restore into an empty one writes. */
class DeltaRestoreTest {
    @TempDir
    Path tmp;

    /** The backup below, and a restore of it into an empty directory: what every delta must equal. */
    private EncodedStore repo;
    private Path fresh;

    @BeforeEach
    void backupAndFreshRestore() throws Exception {
        repo = repo("repo");
        backup(repo).write();
        fresh = tmp.resolve("fresh");
        restore(repo, fresh, false);
    }

    private EncodedStore repo(String name) throws IOException {
        Path root = Files.createDirectories(tmp.resolve(name));
        EncodedStore repo = new EncodedStore(new FsBlobStore(root), CodecSpec.DEFAULT);
        new StanzaStore(repo, RestoreTest.LAYOUT).init(RestoreTest.CLUSTER);
        return repo;
    }

    /** RestoreTest's backup without its tablespace: a file alone, a split file, a bundle, an empty file. */
    private static HandMadeBackup backup(EncodedStore repo) throws IOException {
        return new HandMadeBackup(repo, RestoreTest.LAYOUT, RestoreTest.ID)
                .dir("base", 0700).dir("base/5", 0700).dir("global", 0700)
                .dir("pg_wal", 0700).dir("pg_wal/archive_status", 0700).dir("pg_tblspc", 0700)
                .alone("base/5/16384", RestoreTest.BIG, 0600, RestoreTest.MTIME)
                .split("base/5/16385", RestoreTest.bytes(5 << 20, 9), 2 << 20, 0600, RestoreTest.MTIME - 7)
                .bundle(new HandMadeBackup.Small("PG_VERSION", "15\n".getBytes(UTF_8), 0600, RestoreTest.MTIME - 100),
                        new HandMadeBackup.Small("global/pg_control", RestoreTest.CONTROL, 0600, RestoreTest.MTIME - 1),
                        new HandMadeBackup.Small("postgresql.auto.conf", "work_mem = '64MB'\n".getBytes(UTF_8), 0600,
                                RestoreTest.MTIME - 2),
                        new HandMadeBackup.Small("postgresql.conf", "port = 5432\n".getBytes(UTF_8), 0640, RestoreTest.MTIME - 3))
                .bundle(new HandMadeBackup.Small("base/5/PG_VERSION", "15\n".getBytes(UTF_8), 0600, RestoreTest.MTIME - 5),
                        new HandMadeBackup.Small("base/5/16390_vm", RestoreTest.bytes(8192, 4), 0600, RestoreTest.MTIME - 6))
                .empty("base/5/16391", 0600, RestoreTest.MTIME - 5);
    }

    private RestoreResult restore(EncodedStore repo, Path pgdata, boolean delta) throws Exception {
        return restore(repo, pgdata, delta, TablespaceRemap.NONE);
    }

    private RestoreResult restore(EncodedStore repo, Path pgdata, boolean delta, TablespaceRemap remap) throws Exception {
        return new Restore(repo, RestoreTest.LAYOUT, 2, RestoreTest.CLOCK).run(new RestoreRequest(pgdata, null,
                RecoveryOptions.endOfArchive(), RestoreTest.COMMAND, delta, ArchiveMode.PRESERVE, remap));
    }

    /** Written at each restore's end, so with that moment's time: two restores a second apart differ there. */
    private static final java.util.Set<String> WRITTEN_NOW = java.util.Set.of("backup_label", "recovery.signal",
            "postgresql.auto.conf", "tablespace_map");

    /** Every entry under {@code dir}: its kind, mode, time, and bytes or link target. */
    static TreeMap<String, String> tree(Path dir) throws Exception {
        TreeMap<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                String rel = dir.relativize(p).toString();
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "link -> " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(rel, "dir " + mode);
                } else {
                    byte[] b = Files.readAllBytes(p);
                    // the files a restore writes itself, at the end, have the time they were written
                    String time = WRITTEN_NOW.contains(rel) ? "now"
                            : Long.toString(Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis() / 1000);
                    out.put(rel, "file " + mode + " " + time + " "
                            + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)));
                }
            }
        }
        return out;
    }

    @Test
    void aStaleCopyBecomesExactlyWhatARestoreIntoAnEmptyDirectoryWrites() throws Exception {

        Path stale = tmp.resolve("stale");
        restore(repo, stale, false);
        // what a copy that ran on after the backup, then stopped, looks like
        byte[] big = Files.readAllBytes(stale.resolve("base/5/16384"));
        big[123_456] ^= 1;
        Files.write(stale.resolve("base/5/16384"), big); // same size, other bytes
        Files.writeString(stale.resolve("base/5/PG_VERSION"), "16\n"); // one file of a bundle
        Files.write(stale.resolve("base/5/16385"), new byte[100]); // a split file truncated
        Files.delete(stale.resolve("base/5/16391")); // an empty file gone
        Files.writeString(stale.resolve("base/5/99999"), "a relation made after the backup");
        Files.createDirectories(stale.resolve("base/77/sub"));
        Files.writeString(stale.resolve("base/77/sub/1"), "a database made after the backup");
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("keep-me"), "not in PGDATA");
        Files.createSymbolicLink(stale.resolve("pg_tblspc/16999"), outside);
        Files.setPosixFilePermissions(stale.resolve("postgresql.conf"), PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.writeString(stale.resolve("pg_wal/000000010000000000000009"), "WAL of a later day");
        Files.delete(stale.resolve("global/pg_control"));

        RestoreResult r = restore(repo, stale, true);

        assertEquals(tree(fresh), tree(stale));
        assertEquals(List.of("keep-me"), Files.list(outside).map(p -> p.getFileName().toString()).toList(),
                "a link is removed, never followed");
        // kept: PG_VERSION, postgresql.conf (its mode set back) and base/5/16390_vm. Written over
        // in place: 16384 (one block), 16385 (extended from 100 bytes), base/5/PG_VERSION and
        // postgresql.auto.conf (the first restore appended its settings: cut back). Removed: the 6
        // entries the backup does not hold (99999, base/77 with its two, the link, the WAL).
        // Written: those 4, pg_control (deleted first) and the empty file
        assertEquals(3, r.delta().kept(), r.toString());
        assertEquals(4, r.delta().patched(), r.toString());
        assertEquals(6, r.delta().removed(), r.toString());
        assertEquals(6, r.files(), r.toString());
    }

    @Test
    void anUnchangedCopyIsKeptButForPgControlAndTheRecoverySettings() throws Exception {
        Path copy = tmp.resolve("copy");
        restore(repo, copy, false);

        RestoreResult r = restore(repo, copy, true);

        assertEquals(tree(fresh), tree(copy));
        assertEquals(RestoreTest.BIG.length + (5 << 20) + 3 + 12 + 3 + 8192, r.delta().keptBytes(), r.toString());
        // pg_control is always written again, last; postgresql.auto.conf holds the first restore's settings
        assertEquals(2, r.files(), r.toString());
    }

    @Test
    void filesLongerThanTheBackupsAreCutBackAndChangedBlocksAnywhereAreWritten() throws Exception {
        Path stale = tmp.resolve("longer");
        restore(repo, stale, false);
        for (String f : List.of("base/5/16384", "base/5/16385")) {
            byte[] b = Files.readAllBytes(stale.resolve(f));
            b[0] ^= 1; // the first block,
            b[b.length - 1] ^= 1; // the last, a partial one in 16384
            b[b.length / 2] ^= 1;
            byte[] longer = java.util.Arrays.copyOf(b, b.length + 10_000);
            Files.write(stale.resolve(f), longer);
        }
        RestoreResult r = restore(repo, stale, true);
        assertEquals(tree(fresh), tree(stale));
        assertEquals(3, r.delta().patched(), r.toString()); // and postgresql.auto.conf
    }

    @Test
    void aSplitFileOfTheSameSizeWithOnlyOnePartChangedIsWrittenOver() throws Exception {
        // its parts (2, 2 and 1 MiB) are checked apart, on several threads, and only a part that
        // differs is read again from the repository and written over it
        record Case(List<Integer> changedAt, long partBytes) {}
        List<Case> cases = List.of(
                new Case(List.of((2 << 20) + 5), 2 << 20), // in the second part
                new Case(List.of((5 << 20) - 1), 1 << 20), // in the last
                new Case(List.of(3, (4 << 20) + 9), 3 << 20)); // in the first and the last, its mode changed too
        for (Case c : cases) {
            Path stale = tmp.resolve("part-" + c.changedAt());
            restore(repo, stale, false);
            byte[] b = Files.readAllBytes(stale.resolve("base/5/16385"));
            c.changedAt().forEach(at -> b[at] ^= 1);
            Files.write(stale.resolve("base/5/16385"), b);
            if (c.changedAt().size() > 1) {
                Files.setPosixFilePermissions(stale.resolve("base/5/16385"), PosixFilePermissions.fromString("rw-r--r--"));
            }
            RestoreResult r = restore(repo, stale, true);
            assertEquals(tree(fresh), tree(stale));
            assertEquals(2, r.delta().patched(), r.toString()); // and postgresql.auto.conf
            // those parts, postgresql.auto.conf and pg_control: not the file's other parts
            assertTrue(r.bytes() >= c.partBytes() && r.bytes() < c.partBytes() + (64 << 10), r.toString());
        }
    }

    @Test
    void aPostmasterPidOfNoLiveProcessIsRefusedUntilTheOperatorRemovesIt() throws Exception {
        Path pgdata = tmp.resolve("crashed");
        restore(repo, pgdata, false);
        Files.writeString(pgdata.resolve("postmaster.pid"), "999999999\n" + pgdata + "\n"); // no such process here
        TreeMap<String, String> before = tree(pgdata);
        TargetDirectoryException e = assertThrows(TargetDirectoryException.class, () -> restore(repo, pgdata, true));
        assertEquals(pgdata + " holds postmaster.pid (pid 999999999, not running here): PostgreSQL may still be running;"
                + " once it is surely stopped, remove postmaster.pid and run the delta restore again; nothing was changed",
                e.getMessage());
        assertEquals(before, tree(pgdata));
        // a single-user backend writes its pid negated
        Files.writeString(pgdata.resolve("postmaster.pid"), "-" + ProcessHandle.current().pid() + "\n" + pgdata + "\n");
        e = assertThrows(TargetDirectoryException.class, () -> restore(repo, pgdata, true));
        assertTrue(e.getMessage().startsWith("a postmaster (pid -" + ProcessHandle.current().pid() + ") is running in "),
                e.getMessage());
        Files.delete(pgdata.resolve("postmaster.pid"));
        restore(repo, pgdata, true);
        assertEquals(tree(fresh), tree(pgdata));
    }

    @Test
    void aFileHardLinkedOutsidePgdataIsNeverWrittenThrough() throws Exception {
        Path pgdata = tmp.resolve("linked");
        restore(repo, pgdata, false);
        Path safety = Files.createDirectories(tmp.resolve("safety-copy"));
        for (String f : List.of("base/5/16384", "PG_VERSION")) { // a stale file and a kept one, as cp -al leaves them
            Files.createLink(safety.resolve(f.replace('/', '_')), pgdata.resolve(f));
        }
        byte[] big = Files.readAllBytes(pgdata.resolve("base/5/16384"));
        big[10] ^= 1;
        Files.write(pgdata.resolve("base/5/16384"), big); // through either name: both hold the change
        Files.setPosixFilePermissions(pgdata.resolve("PG_VERSION"), PosixFilePermissions.fromString("rw-r-----"));

        restore(repo, pgdata, true);

        assertEquals(tree(fresh), tree(pgdata));
        assertTrue(java.util.Arrays.equals(big, Files.readAllBytes(safety.resolve("base_5_16384"))),
                "the other name keeps its bytes");
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(safety.resolve("PG_VERSION"))),
                "and its mode");
    }

    @Test
    void entriesOfTheWrongKindAreReplacedAndLinksAtBackupPathsNeverFollowed() throws Exception {
        Path pgdata = tmp.resolve("kinds");
        restore(repo, pgdata, false);
        Path outside = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.writeString(outside.resolve("16384"), "a file outside PGDATA");
        Files.writeString(outside.resolve("PG_VERSION"), "15\n");
        // a directory where the backup has a file, a file where it has a directory, and a link
        // where it has a directory, to a directory holding files of the backup's names
        Files.delete(pgdata.resolve("base/5/16390_vm"));
        Files.createDirectories(pgdata.resolve("base/5/16390_vm/inner"));
        Files.writeString(pgdata.resolve("base/5/16390_vm/inner/x"), "x");
        try (Stream<Path> s = Files.list(pgdata.resolve("pg_wal/archive_status"))) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(pgdata.resolve("pg_wal/archive_status"));
        Files.writeString(pgdata.resolve("pg_wal/archive_status"), "a file");
        try (Stream<Path> s = Files.list(pgdata.resolve("base/5"))) {
            for (Path p : s.toList()) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    try (Stream<Path> t = Files.walk(p)) {
                        for (Path q : t.sorted(java.util.Comparator.reverseOrder()).toList()) {
                            Files.delete(q);
                        }
                    }
                } else {
                    Files.delete(p);
                }
            }
        }
        Files.delete(pgdata.resolve("base/5"));
        Files.createSymbolicLink(pgdata.resolve("base/5"), outside);

        restore(repo, pgdata, true);

        assertEquals(tree(fresh), tree(pgdata));
        assertEquals("a file outside PGDATA", Files.readString(outside.resolve("16384")), "never written through the link");
        assertEquals(List.of("16384", "PG_VERSION"), Files.list(outside).map(p -> p.getFileName().toString()).sorted().toList());
    }

    @Test
    void aDeltaIntoAMissingDirectoryIsAPlainRestore() throws Exception {
        Path missing = tmp.resolve("missing");
        restore(repo, missing, true);
        assertEquals(tree(fresh), tree(missing));
    }

    @Test
    void aRunningPostmasterIsRefusedAndNothingChanged() throws Exception {
        Path pgdata = tmp.resolve("running");
        restore(repo, pgdata, false);
        Files.writeString(pgdata.resolve("postmaster.pid"), ProcessHandle.current().pid() + "\n" + pgdata + "\n");
        Files.writeString(pgdata.resolve("base/5/99999"), "new");
        TreeMap<String, String> before = tree(pgdata);
        TargetDirectoryException e = assertThrows(TargetDirectoryException.class, () -> restore(repo, pgdata, true));
        assertEquals("a postmaster (pid " + ProcessHandle.current().pid() + ") is running in " + pgdata
                + ": stop it before a delta restore; nothing was changed", e.getMessage());
        assertEquals(before, tree(pgdata));
    }

    /** Set by {@link #restoreWithTablespace}: a backup with a tablespace, its restore and what that wrote. */
    private EncodedStore withTablespace;
    private Path pgdata;
    private Path ts;
    private TreeMap<String, String> freshData;
    private TreeMap<String, String> freshTs;

    private void restoreWithTablespace() throws Exception {
        withTablespace = repo("repo2");
        pgdata = tmp.resolve("old");
        ts = tmp.resolve("ts");
        RestoreTest.fullBackup(withTablespace, ts).write();
        restore(withTablespace, pgdata, false);
        freshData = tree(pgdata);
        freshTs = tree(ts);
    }

    @Test
    void aStaleCopyWithATablespaceIsBroughtBackThroughItsLinkLeavingOtherVersionsAlone() throws Exception {
        restoreWithTablespace();
        Path rel = ts.resolve("PG_15_202209061/5");
        byte[] b = Files.readAllBytes(rel.resolve("16401"));
        b[10] ^= 1;
        Files.write(rel.resolve("16401"), b);
        Files.writeString(rel.resolve("99999"), "a relation made in the tablespace after the backup");
        Files.createDirectories(rel.resolve("../77"));
        Path foreign = Files.createDirectories(ts.resolve("PG_16_202307071/5"));
        Files.writeString(foreign.resolve("1"), "another major version's, after pg_upgrade");
        Files.delete(pgdata.resolve("global/pg_control"));

        RestoreResult r = restore(withTablespace, pgdata, true);

        assertEquals(freshData, tree(pgdata));
        TreeMap<String, String> after = tree(ts);
        after.keySet().removeIf(k -> k.startsWith("PG_16_202307071"));
        assertEquals(freshTs, after);
        assertEquals("another major version's, after pg_upgrade", Files.readString(foreign.resolve("1")));
        // in place: 16401 and postgresql.auto.conf; removed: 99999 and the directory 77
        assertEquals(2, r.delta().patched(), r.toString());
        assertEquals(2, r.delta().removed(), r.toString());
    }

    @Test
    void aTablespaceLinkToAnotherPlaceIsReplacedAndNeverFollowed() throws Exception {
        restoreWithTablespace();
        Path other = Files.createDirectories(tmp.resolve("moved"));
        Files.writeString(other.resolve("keep-me"), "the tablespace moved here by hand");
        Path link = pgdata.resolve("pg_tblspc/16400");
        Files.delete(link);
        Files.createSymbolicLink(link, other);
        DeltaSync.removeTree(ts);

        RestoreResult r = restore(withTablespace, pgdata, true);

        assertEquals(freshData, tree(pgdata));
        assertEquals(freshTs, tree(ts));
        assertEquals(List.of("keep-me"), Files.list(other).map(p -> p.getFileName().toString()).toList());
        assertEquals(1, r.delta().removed(), "the link: " + r);
    }

    @Test
    void aLocationThatIsNotEmptyAndNotLinkedFromPgdataIsRefusedBeforeAnythingChanges() throws Exception {
        restoreWithTablespace();
        Path link = pgdata.resolve("pg_tblspc/16400");
        Files.delete(link); // the copy lost its link; the location holds something
        Files.writeString(pgdata.resolve("base/5/99999"), "new");
        TreeMap<String, String> before = tree(pgdata);
        TreeMap<String, String> beforeTs = tree(ts);

        TargetDirectoryException e = assertThrows(TargetDirectoryException.class, () -> restore(withTablespace, pgdata, true));

        assertEquals("tablespace location for pg_tblspc/16400 (" + link + " does not link to it) " + ts
                + " is not empty (it holds 'PG_15_202209061'): restore needs an empty or missing directory; nothing was changed",
                e.getMessage());
        assertEquals(before, tree(pgdata));
        assertEquals(beforeTs, tree(ts));
    }

    @Test
    void aLinkedPgTblspcIsNeverFollowed() throws Exception {
        restoreWithTablespace();
        // pg_tblspc moved elsewhere and linked: its entry 16400 (a link to ts) is another directory's
        Path elsewhere = tmp.resolve("elsewhere");
        Files.move(pgdata.resolve("pg_tblspc"), elsewhere);
        Files.createSymbolicLink(pgdata.resolve("pg_tblspc"), elsewhere);

        TargetDirectoryException e = assertThrows(TargetDirectoryException.class, () -> restore(withTablespace, pgdata, true));
        assertTrue(e.getMessage().contains("does not link to it) " + ts + " is not empty"), e.getMessage());
        assertEquals(freshTs, tree(ts));

        DeltaSync.removeTree(ts);
        restore(withTablespace, pgdata, true);
        assertEquals(freshData, tree(pgdata));
        assertEquals(freshTs, tree(ts));
        assertEquals(ts, Files.readSymbolicLink(elsewhere.resolve("16400")), "the other directory's link is untouched");
    }

    @Test
    void aLinkedLocationThatIsNotADirectoryIsRefusedBeforeAnythingChanges() throws Exception {
        restoreWithTablespace();
        DeltaSync.removeTree(ts);
        Files.writeString(ts, "a file where the location was");
        TreeMap<String, String> before = tree(pgdata);

        TargetDirectoryException e = assertThrows(TargetDirectoryException.class, () -> restore(withTablespace, pgdata, true));

        assertEquals("tablespace location for pg_tblspc/16400 " + ts + " exists and is not a directory; nothing was changed",
                e.getMessage());
        assertEquals(before, tree(pgdata));
    }

    @Test
    void aLinkToTheLocationByAnotherPathKeepsItsContentsAndIsWrittenAsARestoreWritesIt() throws Exception {
        restoreWithTablespace();
        Path alias = Files.createSymbolicLink(tmp.resolve("alias"), ts);
        Path inTablespace = ts.resolve("PG_15_202209061/5/16401");
        Object inode = Files.getAttribute(inTablespace, "unix:ino");
        Path link = pgdata.resolve("pg_tblspc/16400");
        Files.delete(link);
        Files.createSymbolicLink(link, alias);

        RestoreResult r = restore(withTablespace, pgdata, true);

        assertEquals(freshData, tree(pgdata)); // link -> ts again
        assertEquals(freshTs, tree(ts));
        assertEquals(1, r.delta().removed(), "the link by another path: " + r);
        assertEquals(inode, Files.getAttribute(inTablespace, "unix:ino"), "the tablespace's file kept, not written anew");
        assertEquals(5, r.delta().kept(), "PGDATA's 4 and the tablespace's file: " + r);
    }

    /**
     * A copy whose tablespace was restored elsewhere is brought back there by a delta with the
     * same map: its link kept, the location's stale file written over, the original's location
     * (in use by its own cluster) never touched.
     */
    @Test
    void aCopyWithItsTablespaceElsewhereIsBroughtBackThereWithTheSameMap() throws Exception {
        EncodedStore two = repo("repo2");
        Path original = Files.createDirectories(tmp.resolve("ts"));
        Files.writeString(original.resolve("PG_15_202209061"), "the original's, in use");
        RestoreTest.fullBackup(two, original).write();
        Path copy = tmp.resolve("copy");
        Path moved = tmp.resolve("moved");
        TablespaceRemap remap = TablespaceRemap.parse(List.of("16400=" + moved), null);
        restore(two, copy, false, remap);
        TreeMap<String, String> freshCopy = tree(copy);
        TreeMap<String, String> freshMoved = tree(moved);
        Path file = moved.resolve("PG_15_202209061/5/16401");
        byte[] b = Files.readAllBytes(file);
        b[10] ^= 1;
        Files.write(file, b);
        Files.delete(copy.resolve("global/pg_control"));

        RestoreResult r = restore(two, copy, true, remap);

        assertEquals(freshCopy, tree(copy));
        assertEquals(freshMoved, tree(moved));
        assertEquals(moved, Files.readSymbolicLink(copy.resolve("pg_tblspc/16400")));
        assertEquals("16400 " + moved + "\n", Files.readString(copy.resolve("tablespace_map")));
        assertEquals(List.of("PG_15_202209061"), RestoreTest.list(original));
        assertEquals("the original's, in use", Files.readString(original.resolve("PG_15_202209061")));
        assertEquals(0, r.delta().removed(), "the link to the moved location is kept: " + r);
    }
}
