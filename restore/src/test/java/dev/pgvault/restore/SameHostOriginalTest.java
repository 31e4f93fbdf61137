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
        assertEquals(OptionalLong.of(RestoreTest.CLUSTER.systemIdentifier()), SameHostOriginal.systemIdentifier(tmp.resolve("data")));
        assertEquals(OptionalLong.empty(), SameHostOriginal.systemIdentifier(tmp.resolve("none")));
        Files.write(global.resolve("pg_control"), new byte[3]);
        assertEquals(OptionalLong.empty(), SameHostOriginal.systemIdentifier(tmp.resolve("data")));
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

        var refusal = SameHostOriginal.refusal(backup, java.util.List.of(copyElsewhere, original),
                p -> OptionalLong.of(ours));
        assertEquals(true, refusal.isPresent());
        assertEquals(true, refusal.get().startsWith("the PostgreSQL running in /srv/main (pid 4242) is backup "
                + RestoreTest.ID + "'s cluster, and has tablespace 16500 ("), refusal.get());
        assertEquals(true, refusal.get().endsWith("nothing was changed"), refusal.get());

        assertEquals(java.util.Optional.empty(), SameHostOriginal.refusal(backup, java.util.List.of(copyElsewhere),
                p -> OptionalLong.of(ours)), "a copy restored with a map");
        assertEquals(java.util.Optional.empty(), SameHostOriginal.refusal(backup, java.util.List.of(other),
                p -> OptionalLong.of(ours + 1)), "another cluster");
        assertEquals(java.util.Optional.empty(), SameHostOriginal.refusal(backup, java.util.List.of(other),
                p -> OptionalLong.empty()), "a pg_control this user cannot read");
    }
}
