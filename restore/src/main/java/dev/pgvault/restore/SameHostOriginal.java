package dev.pgvault.restore;

import dev.pgvault.archiver.backup.DirectoryEntry;
import dev.pgvault.archiver.backup.Manifest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Refuses a restore on the host where the backup's own cluster runs when that cluster has a
 * tablespace the backup lacks. Such a tablespace was created after the backup: recovery replays
 * its CREATE TABLESPACE at the location the original gave it, PostgreSQL in recovery takes over
 * whatever is there, and the copy would then write the running original's tablespace files. No
 * map can move it, since the backup does not name it. A running cluster is the backup's when its
 * pg_control holds the backup's system identifier.
 *
 * <p>What this cannot see: a cluster stopped meanwhile, another user's (when not root), a target
 * that stops recovery before the CREATE TABLESPACE (refused all the same), and WAL streamed to a
 * standby later.
 */
final class SameHostOriginal {
    private SameHostOriginal() {}

    /** {@code backup} as stored (its own locations, before any map), to be restored into {@code pgdata}. */
    static void check(Manifest backup, Path pgdata) throws TargetDirectoryException {
        Set<Path> known = new HashSet<>();
        for (DirectoryEntry d : backup.directories()) {
            if (d.linkTarget() != null && ManifestPaths.isTablespaceLink(d.path())) {
                known.add(RunningClusters.whereItLies(Path.of(d.linkTarget())));
            }
        }
        Path except = RunningClusters.real(pgdata).orElse(pgdata.toAbsolutePath().normalize());
        for (RunningClusters.Postmaster p : RunningClusters.postmasters(except)) {
            if (p.locations().isEmpty()) {
                continue;
            }
            OptionalLong sysid = systemIdentifier(p.dataDirectory());
            if (sysid.isEmpty() || sysid.getAsLong() != backup.cluster().systemIdentifier()) {
                continue;
            }
            for (Path location : p.locations()) {
                if (!known.contains(location)) {
                    throw new TargetDirectoryException("the PostgreSQL running in " + p.dataDirectory() + " (pid " + p.pid()
                            + ") is backup " + backup.id() + "'s cluster, and has a tablespace at " + location
                            + " that the backup lacks (created after it): a copy on this host would replay its CREATE"
                            + " TABLESPACE into that location and write the running cluster's files; restore a backup taken"
                            + " after it (with --tablespace-map), or restore on another host; nothing was changed");
                }
            }
        }
    }

    /** The system identifier in {@code dataDirectory}'s pg_control (its first 8 bytes), if it can be read. */
    static OptionalLong systemIdentifier(Path dataDirectory) {
        try (InputStream in = Files.newInputStream(dataDirectory.resolve("global/pg_control"), LinkOption.NOFOLLOW_LINKS)) {
            byte[] b = in.readNBytes(8);
            if (b.length < 8) {
                return OptionalLong.empty();
            }
            // pg_control is in the host's byte order; pgvault runs where PostgreSQL does
            return OptionalLong.of(ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).getLong());
        } catch (IOException | SecurityException e) {
            return OptionalLong.empty();
        }
    }
}
