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
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;

/**
 * Refuses a restore on the host where the backup's own cluster runs when that cluster has a
 * tablespace the backup lacks. Such a tablespace was created after the backup (or dropped and
 * created again, under a new OID): recovery replays its CREATE TABLESPACE at the location the
 * original gave it, PostgreSQL in recovery takes over whatever is there, and the copy would then
 * write the running original's tablespace files. No map can move it, since the backup does not
 * name it. A running cluster is the backup's when its pg_control holds the backup's system
 * identifier; tablespaces are compared by OID, so a running copy whose tablespaces were restored
 * elsewhere (same OIDs, new places) does not count. In-place tablespaces (directories in
 * pg_tblspc, not links) are the copy's own and do not count either.
 *
 * <p>What this cannot see: a cluster stopped meanwhile, another user's (when not root), a target
 * that stops recovery before the CREATE TABLESPACE (refused all the same), and WAL streamed to a
 * standby later. It can refuse more than it must: a running copy of a later backup has that
 * backup's OIDs, which an older backup may lack; a promoted copy keeps the system identifier, and
 * a tablespace it creates is in no backup of the original.
 */
final class SameHostOriginal {
    private SameHostOriginal() {}

    /** {@code backup}, to be restored beside the {@code running} clusters: refused when one would share a tablespace. */
    static void check(Manifest backup, List<RunningClusters.Postmaster> running) throws TargetDirectoryException {
        Optional<String> refusal = refusal(backup, running, p -> systemIdentifier(p.dataDirectory()));
        if (refusal.isPresent()) {
            throw new TargetDirectoryException(refusal.get());
        }
    }

    /** Why {@code backup} may not be restored beside one of {@code running}, if it may not. */
    static Optional<String> refusal(Manifest backup, List<RunningClusters.Postmaster> running,
            Function<RunningClusters.Postmaster, OptionalLong> systemIdentifier) {
        Set<String> known = new HashSet<>();
        for (DirectoryEntry d : backup.directories()) {
            if (ManifestPaths.isTablespaceLink(d.path())) {
                known.add(ManifestPaths.tablespaceOid(d.path()));
            }
        }
        for (RunningClusters.Postmaster p : running) {
            Optional<String> unknown = p.linkedOids().stream().filter(oid -> !known.contains(oid)).findFirst();
            if (unknown.isEmpty()) {
                continue;
            }
            OptionalLong sysid = systemIdentifier.apply(p);
            if (sysid.isPresent() && sysid.getAsLong() == backup.cluster().systemIdentifier()) {
                return Optional.of("the PostgreSQL running in " + p.dataDirectory() + " (pid " + p.pid() + ") is backup "
                        + backup.id() + "'s cluster, and has tablespace " + unknown.get() + " (" + linkTarget(p, unknown.get())
                        + ") that the backup lacks (created after it): a copy on this host would replay its CREATE TABLESPACE"
                        + " into the location the original gave it and could write a running cluster's files; restore a"
                        + " backup taken after it (with --tablespace-map), or restore on another host; nothing was changed");
            }
        }
        return Optional.empty();
    }

    private static String linkTarget(RunningClusters.Postmaster p, String oid) {
        try {
            return "at " + Files.readSymbolicLink(p.dataDirectory().resolve("pg_tblspc").resolve(oid));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return "location unread";
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
