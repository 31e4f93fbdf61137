package dev.pgvault.restore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.restore.recovery.RecoveryOptions;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.EncodedStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A backup's tablespaces restored elsewhere: the link and tablespace_map both say the new place. */
class TablespaceRemapTest {
    @TempDir
    Path tmp;

    private RestoreResult restore(EncodedStore repo, Path pgdata, TablespaceRemap remap) throws Exception {
        return new Restore(repo, RestoreTest.LAYOUT, 2, RestoreTest.CLOCK).run(new RestoreRequest(pgdata, null,
                RecoveryOptions.endOfArchive(), RestoreTest.COMMAND, false, ArchiveMode.PRESERVE, remap));
    }

    /** The original's location is in use (not empty): named by OID or by that location, the copy goes elsewhere. */
    @Test
    void aTablespaceNamedByOidOrOldLocationIsRestoredWhereTold() throws Exception {
        for (String from : List.of("16400", "ORIGINAL")) {
            Path dir = Files.createDirectories(tmp.resolve(from));
            EncodedStore repo = repoIn(dir);
            Path original = Files.createDirectories(dir.resolve("ts"));
            Files.writeString(original.resolve("PG_15_202209061"), "the original's, in use");
            RestoreTest.fullBackup(repo, original).write();
            Path moved = dir.resolve("moved/ts");
            Path pgdata = dir.resolve("pgdata");
            String word = (from.equals("16400") ? "16400" : original + "/.") + "=" + moved;

            restore(repo, pgdata, TablespaceRemap.parse(List.of(word), null));

            assertEquals(moved, Files.readSymbolicLink(pgdata.resolve("pg_tblspc/16400")), word);
            assertArrayEquals(RestoreTest.TS_FILE, Files.readAllBytes(moved.resolve("PG_15_202209061/5/16401")));
            assertEquals("16400 " + moved + "\n", Files.readString(pgdata.resolve("tablespace_map")));
            assertEquals(List.of("PG_15_202209061"), RestoreTest.list(original), "the original's location untouched");
            assertEquals("the original's, in use", Files.readString(original.resolve("PG_15_202209061")));
        }
    }

    @Test
    void allPlacesEveryTablespaceUnderOneDirectoryByOid() throws Exception {
        EncodedStore repo = repoIn(tmp);
        RestoreTest.fullBackup(repo, tmp.resolve("ts")).write();
        Path pgdata = tmp.resolve("pgdata");
        restore(repo, pgdata, TablespaceRemap.parse(List.of(), tmp.resolve("spaces")));
        assertEquals(tmp.resolve("spaces/16400"), Files.readSymbolicLink(pgdata.resolve("pg_tblspc/16400")));
        assertEquals("16400 " + tmp.resolve("spaces/16400") + "\n", Files.readString(pgdata.resolve("tablespace_map")));
        assertFalse(Files.exists(tmp.resolve("ts")));
    }

    @Test
    void aTablespaceTheBackupLacksIsRefusedNamingTheOnesItHasAndNothingIsWritten() throws Exception {
        EncodedStore repo = repoIn(tmp);
        Path ts = tmp.resolve("ts");
        RestoreTest.fullBackup(repo, ts).write();
        Path pgdata = tmp.resolve("pgdata");
        TargetDirectoryException e = assertThrows(TargetDirectoryException.class, () -> restore(repo, pgdata,
                TablespaceRemap.parse(List.of("16401=" + tmp.resolve("x"), "/srv/old=" + tmp.resolve("y")), null)));
        assertEquals("--tablespace-map names 16401, /srv/old, which backup " + RestoreTest.ID + " has no tablespace of (it has"
                + " 16400 at " + ts + "); nothing was changed", e.getMessage());
        assertFalse(Files.exists(pgdata));
        assertFalse(Files.exists(tmp.resolve("x")));
    }

    @Test
    void aMovedLocationMustBeEmptyLikeAnyOther() throws Exception {
        EncodedStore repo = repoIn(tmp);
        RestoreTest.fullBackup(repo, tmp.resolve("ts")).write();
        Path taken = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(taken.resolve("file"), "x");
        TargetDirectoryException e = assertThrows(TargetDirectoryException.class, () -> restore(repo, tmp.resolve("pgdata"),
                TablespaceRemap.parse(List.of("16400=" + taken), null)));
        assertTrue(e.getMessage().startsWith("tablespace location for pg_tblspc/16400 " + taken + " is not empty"),
                e.getMessage());
        assertFalse(Files.exists(tmp.resolve("pgdata")));
    }

    /** Two tablespaces at one place, or one inside the other: refused as bad input (exit 2), nothing written. */
    @Test
    void newLocationsThatMeetAnotherTablespacesAreRefused() throws Exception {
        EncodedStore repo = repoIn(tmp);
        Path second = tmp.resolve("second");
        RestoreTest.fullBackup(repo, tmp.resolve("ts"))
                .dir("pg_tblspc/16500/PG_15_202209061", 0700)
                .tablespace("16500", second.toString(), "16400 " + tmp.resolve("ts") + "\n16500 " + second + "\n").write();
        Path pgdata = tmp.resolve("pgdata");
        for (List<String> words : List.of(List.of("16400=" + second), List.of("16400=" + second.resolve("inner")),
                List.of("16400=/srv/x", "16500=/srv/x"), List.of("16400=/srv"))) {
            TablespaceRemap remap = TablespaceRemap.parse(words, words.size() == 1 && words.get(0).equals("16400=/srv")
                    ? Path.of("/srv/all") : null);
            TargetDirectoryException e = assertThrows(TargetDirectoryException.class, () -> restore(repo, pgdata, remap),
                    words.toString());
            assertTrue(e.getMessage().startsWith("tablespace map puts tablespace 16"), e.getMessage());
            assertTrue(e.getMessage().endsWith(": one location may not be or hold another; nothing was changed"),
                    e.getMessage());
            assertFalse(Files.exists(pgdata));
        }
    }

    @Test
    void malformedWordsAreRefusedNamingThem() {
        assertEquals("--tablespace-map '16400': expected OID=DIR or OLD-LOCATION=DIR", assertThrows(
                IllegalArgumentException.class, () -> TablespaceRemap.parse(List.of("16400"), null)).getMessage());
        assertEquals("--tablespace-map 'ts=/x': ts is neither an OID nor an absolute location", assertThrows(
                IllegalArgumentException.class, () -> TablespaceRemap.parse(List.of("ts=/x"), null)).getMessage());
        assertEquals("--tablespace-map 16400=x/y: not an absolute path", assertThrows(
                IllegalArgumentException.class, () -> TablespaceRemap.parse(List.of("16400=x/y"), null)).getMessage());
        assertEquals("--tablespace-map-all spaces: not an absolute path", assertThrows(
                IllegalArgumentException.class, () -> TablespaceRemap.parse(List.of(), Path.of("spaces"))).getMessage());
        assertEquals("--tablespace-map names 16400 twice", assertThrows(
                IllegalArgumentException.class, () -> TablespaceRemap.parse(List.of("16400=/a", "16400=/b"), null)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> TablespaceRemap.parse(List.of("16400=/a\\b"), null)).getMessage().contains("backslash"));
    }

    @Test
    void theMapKeepsOtherLinesAndEscapedLineBreaksAsTheyWere() {
        String map = "16400 /srv/a\n16500 /srv/two\\\nlines\n16600 /srv/c\n";
        assertEquals("16400 /srv/a\n16500 /srv/two\\\nlines\n16600 /new/c\n",
                TablespaceMapFile.rewrite(map, Map.of("16600", Path.of("/new/c"))));
        assertEquals("16400 /srv/a\n16500 /new/b\n16600 /srv/c\n",
                TablespaceMapFile.rewrite(map, Map.of("16500", Path.of("/new/b"))));
        assertEquals(null, TablespaceMapFile.rewrite(null, Map.of("16500", Path.of("/new/b"))));
    }

    private static EncodedStore repoIn(Path dir) throws Exception {
        Path root = Files.createDirectories(dir.resolve("repo"));
        EncodedStore repo = new EncodedStore(new dev.pgvault.storage.fs.FsBlobStore(root), CodecSpec.DEFAULT);
        new dev.pgvault.archiver.StanzaStore(repo, RestoreTest.LAYOUT).init(RestoreTest.CLUSTER);
        return repo;
    }
}
