package dev.pgvault.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A running cluster is the backup's when its pg_control says so. */
class SameHostOriginalTest {
    @TempDir
    Path tmp;

    @Test
    void theSystemIdentifierIsPgControlsFirstEightBytesAndNothingWhenUnreadable() throws Exception {
        Path global = Files.createDirectories(tmp.resolve("data/global"));
        ByteBuffer control = ByteBuffer.allocate(8192).order(ByteOrder.nativeOrder());
        control.putLong(0, RestoreTest.CLUSTER.systemIdentifier());
        Files.write(global.resolve("pg_control"), control.array());
        assertEquals(OptionalLong.of(RestoreTest.CLUSTER.systemIdentifier()), PgControlHead.systemIdentifier(tmp.resolve("data")));
        assertEquals(OptionalLong.empty(), PgControlHead.systemIdentifier(tmp.resolve("none")));
        Files.write(global.resolve("pg_control"), new byte[3]);
        assertEquals(OptionalLong.empty(), PgControlHead.systemIdentifier(tmp.resolve("data")));
    }

    /** Tablespaces compared by OID: a running copy with the backup's tablespaces elsewhere does not count. */
    @Test
    void onlyARunningClusterOfTheBackupWithATablespaceItLacksRefusesTheRestore() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("repo"));
        var repo = new dev.pgvault.storage.codec.EncodedStore(new dev.pgvault.storage.fs.FsBlobStore(root),
                dev.pgvault.storage.codec.CodecSpec.DEFAULT);
        new dev.pgvault.archiver.StanzaStore(repo, RestoreTest.LAYOUT).init(RestoreTest.CLUSTER);
        var backup = RestoreTest.fullBackup(repo, tmp.resolve("ts")).manifest(); // tablespace 16400
        long ours = RestoreTest.CLUSTER.systemIdentifier();
        var original = new RunningClusters.Postmaster(4242, Path.of("/srv/main"), java.util.List.of(Path.of("/srv/ts"),
                Path.of("/srv/later")), java.util.Set.of("16400", "16500"));
        var copyElsewhere = new RunningClusters.Postmaster(4343, Path.of("/srv/copy"), java.util.List.of(Path.of("/srv/moved")),
                java.util.Set.of("16400"));
        var other = new RunningClusters.Postmaster(4444, Path.of("/srv/other"), java.util.List.of(Path.of("/srv/x")),
                java.util.Set.of("16500"));

        Path target = Path.of("/srv/target");
        var refusal = SameHostOriginal.refusal(backup, SameHostOriginal.besides(java.util.List.of(copyElsewhere, original), null,
                target), p -> OptionalLong.of(ours));
        assertEquals(true, refusal.isPresent());
        assertEquals(true, refusal.get().startsWith("the PostgreSQL running in /srv/main (pid 4242) is backup "
                + RestoreTest.ID + "'s cluster, and has tablespace 16500 ("), refusal.get());
        assertEquals(true, refusal.get().endsWith("nothing was changed"), refusal.get());

        assertEquals(java.util.Optional.empty(), SameHostOriginal.refusal(backup,
                SameHostOriginal.besides(java.util.List.of(copyElsewhere), null, target), p -> OptionalLong.of(ours)),
                "a copy restored with a map");
        assertEquals(java.util.Optional.empty(), SameHostOriginal.refusal(backup,
                SameHostOriginal.besides(java.util.List.of(other), null, target), p -> OptionalLong.of(ours + 1)), "another cluster");
        assertEquals(java.util.Optional.empty(), SameHostOriginal.refusal(backup,
                SameHostOriginal.besides(java.util.List.of(other), null, target), p -> OptionalLong.empty()),
                "a pg_control this user cannot read");
    }

    /**
     * The configuration's own data directory counts whether it runs or not: PostgreSQL replaying
     * CREATE TABLESPACE takes over the directory at the location, and the copy writes a stopped
     * original's files as surely as a running one's. Not when it is the restore's target, and once
     * when it also runs.
     */
    @Test
    void theConfiguredDataDirectoryOfTheBackupsClusterWithALaterTablespaceRefusesTheRestoreWhetherItRunsOrNot()
            throws Exception {
        Path root = Files.createDirectories(tmp.resolve("repo"));
        var repo = new dev.pgvault.storage.codec.EncodedStore(new dev.pgvault.storage.fs.FsBlobStore(root),
                dev.pgvault.storage.codec.CodecSpec.DEFAULT);
        new dev.pgvault.archiver.StanzaStore(repo, RestoreTest.LAYOUT).init(RestoreTest.CLUSTER);
        var backup = RestoreTest.fullBackup(repo, tmp.resolve("ts")).manifest(); // tablespace 16400
        Path main = Files.createDirectories(tmp.resolve("main/global"));
        ByteBuffer control = ByteBuffer.allocate(8192).order(ByteOrder.nativeOrder());
        control.putLong(0, RestoreTest.CLUSTER.systemIdentifier());
        Files.write(main.resolve("pg_control"), control.array());
        Path links = Files.createDirectories(tmp.resolve("main/pg_tblspc"));
        Files.createSymbolicLink(links.resolve("16400"), Files.createDirectories(tmp.resolve("ts")));
        Path later = Files.createDirectories(tmp.resolve("later"));
        Files.createDirectories(later.resolve("PG_15_202209061"));
        Path original = tmp.resolve("main").toRealPath();

        // stopped: the configured directory alone tells
        Path copy = tmp.resolve("copy");
        SameHostOriginal.check(backup, java.util.List.of(), original, copy); // no tablespace the backup lacks yet
        Files.createSymbolicLink(links.resolve("16500"), later);
        TargetDirectoryException e = org.junit.jupiter.api.Assertions.assertThrows(TargetDirectoryException.class,
                () -> SameHostOriginal.check(backup, java.util.List.of(), original, copy));
        assertEquals("the cluster in " + original + " (this configuration's pg.data) is backup " + RestoreTest.ID
                + "'s cluster, and has tablespace 16500 (at " + later + ") that the backup lacks (created after it): a copy on"
                + " this host would replay its CREATE TABLESPACE into the location the original gave it and write the"
                + " original's files there; restore a backup taken after it (with --tablespace-map), restore on another"
                + " host, or restore into " + original + " itself (--delta), replacing that cluster; nothing was changed",
                e.getMessage());

        // the restore's own target (a delta over the original) is not beside it, however either is named
        SameHostOriginal.check(backup, java.util.List.of(), original, original);
        SameHostOriginal.check(backup, java.util.List.of(), tmp.resolve("main/./"), original);
        Path linked = Files.createSymbolicLink(tmp.resolve("linked-main"), original);
        SameHostOriginal.check(backup, java.util.List.of(), linked, original);
        SameHostOriginal.check(backup, java.util.List.of(), original, linked);
        SameHostOriginal.check(backup, java.util.List.of(), original, Path.of("").toAbsolutePath().relativize(original));
        SameHostOriginal.check(backup, java.util.List.of(), original, tmp.resolve("copy/../main"));
        assertEquals(1, SameHostOriginal.besides(java.util.List.of(), linked, copy).size(), "named through a link, still seen");
        // nor is a pg.data that is not there (no exception either)
        SameHostOriginal.check(backup, java.util.List.of(), tmp.resolve("none"), copy);
        // another cluster's pg_control
        control.putLong(0, RestoreTest.CLUSTER.systemIdentifier() + 1);
        Files.write(main.resolve("pg_control"), control.array());
        SameHostOriginal.check(backup, java.util.List.of(), original, copy);

        // running too: counted once, as the running one
        var running = new RunningClusters.Postmaster(4242, original, java.util.List.of(later), java.util.Set.of("16400", "16500"));
        var both = SameHostOriginal.besides(java.util.List.of(running), original, copy);
        assertEquals(1, both.size(), both.toString());
        assertEquals("the PostgreSQL running in " + original + " (pid 4242)", both.get(0).described());
    }
}
