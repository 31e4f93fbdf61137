package dev.pgvault.restore;

import dev.pgvault.archiver.backup.DirectoryEntry;
import dev.pgvault.archiver.backup.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;

/**
 * Refuses a restore on the host of the backup's own cluster when that cluster has a tablespace the
 * backup lacks. Such a tablespace was created after the backup (or dropped and created again,
 * under a new OID): recovery replays its CREATE TABLESPACE at the location the original gave it,
 * PostgreSQL in recovery takes over the version directory it finds there ({@code PG_15_...}), and
 * the copy then writes the original's tablespace files, whether the original runs or not. No map
 * can move it, since the backup does not name it.
 *
 * <p>The clusters looked at: those running on this host that this user can see, and the
 * configuration's own data directory ({@code pg.data}), running or not, unless it is the
 * restore's target. One is the backup's when its pg_control holds the backup's system identifier;
 * tablespaces are compared by OID, so a copy whose tablespaces were restored elsewhere (same OIDs,
 * new places) does not count. In-place tablespaces (directories in pg_tblspc, not links) are the
 * copy's own and do not count either.
 *
 * <p>What this cannot see: a stopped copy elsewhere than {@code pg.data}, another user's running
 * cluster (when not root), a target that stops recovery before the CREATE TABLESPACE (refused all
 * the same), and WAL streamed to a standby later. It can refuse more than it must: a copy of a
 * later backup has that backup's OIDs, which an older backup may lack; a promoted copy keeps the
 * system identifier, and a tablespace it creates is in no backup of the original.
 */
final class SameHostOriginal {
    private SameHostOriginal() {}

    /**
     * A cluster on this host: what a refusal calls it, its data directory, the OIDs of its linked
     * tablespaces, and whether it is the configuration's own (which a restore may replace).
     */
    record Cluster(String described, Path dataDirectory, Set<String> linkedOids, boolean configured) {}

    /**
     * {@code backup}, to be restored into {@code pgdata} beside the {@code running} clusters and
     * the configuration's {@code configured} data directory (null when there is none): refused
     * when one of them would lose a tablespace to it.
     */
    static void check(Manifest backup, List<RunningClusters.Postmaster> running, Path configured, Path pgdata)
            throws TargetDirectoryException {
        Optional<String> refusal = refusal(backup, besides(running, configured, pgdata),
                c -> PgControlHead.systemIdentifier(c.dataDirectory()));
        if (refusal.isPresent()) {
            throw new TargetDirectoryException(refusal.get());
        }
    }

    /**
     * The {@code running} clusters, then {@code configured} when it is a directory, not
     * {@code pgdata} and not one of them.
     */
    static List<Cluster> besides(List<RunningClusters.Postmaster> running, Path configured, Path pgdata) {
        List<Cluster> clusters = new ArrayList<>();
        for (RunningClusters.Postmaster p : running) {
            clusters.add(new Cluster("the PostgreSQL running in " + p.dataDirectory() + " (pid " + p.pid() + ")", p.dataDirectory(),
                    p.linkedOids(), false));
        }
        Optional<Path> real = configured == null ? Optional.empty() : RunningClusters.real(configured);
        if (real.isPresent() && Files.isDirectory(real.get(), LinkOption.NOFOLLOW_LINKS)
                && !sameDirectory(real.get(), RunningClusters.whereItLies(pgdata))
                && running.stream().noneMatch(p -> sameDirectory(p.dataDirectory(), real.get()))) {
            clusters.add(new Cluster("the cluster in " + real.get() + " (this configuration's pg.data)", real.get(),
                    RunningClusters.tablespaces(real.get()).linkedOids(), true));
        }
        return clusters;
    }

    /** Whether {@code a} and {@code b} (real paths) are one directory, also when mounted twice. */
    private static boolean sameDirectory(Path a, Path b) {
        if (a.equals(b)) {
            return true;
        }
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /** Why {@code backup} may not be restored beside one of {@code clusters}, if it may not. */
    static Optional<String> refusal(Manifest backup, List<Cluster> clusters, Function<Cluster, OptionalLong> systemIdentifier) {
        Set<String> known = new HashSet<>();
        for (DirectoryEntry d : backup.directories()) {
            if (ManifestPaths.isTablespaceLink(d.path())) {
                known.add(ManifestPaths.tablespaceOid(d.path()));
            }
        }
        for (Cluster c : clusters) {
            Optional<String> unknown = c.linkedOids().stream().filter(oid -> !known.contains(oid)).findFirst();
            if (unknown.isEmpty()) {
                continue;
            }
            OptionalLong sysid = systemIdentifier.apply(c);
            if (sysid.isPresent() && sysid.getAsLong() == backup.cluster().systemIdentifier()) {
                return Optional.of(c.described() + " is backup " + backup.id() + "'s cluster, and has tablespace " + unknown.get()
                        + " (" + linkTarget(c, unknown.get()) + ") that the backup lacks (created after it): a copy on this"
                        + " host would replay its CREATE TABLESPACE into the location the original gave it and write the"
                        + " original's files there; restore a backup taken after it (with --tablespace-map)"
                        + (c.configured() ? ", restore on another host, or restore into " + c.dataDirectory()
                                + " itself (--delta), replacing that cluster" : ", or restore on another host")
                        + "; nothing was changed");
            }
        }
        return Optional.empty();
    }

    private static String linkTarget(Cluster c, String oid) {
        try {
            return "at " + Files.readSymbolicLink(c.dataDirectory().resolve("pg_tblspc").resolve(oid));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return "location unread";
        }
    }
}
