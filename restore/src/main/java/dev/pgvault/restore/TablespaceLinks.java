package dev.pgvault.restore;

import dev.pgvault.archiver.backup.DirectoryEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Tablespaces: PGDATA/pg_tblspc/&lt;oid&gt; is a symbolic link to the tablespace's location,
 * recreated to the location the plan gives it (the one it had when backed up, unless
 * {@link TablespaceRemap} moved it). Files listed under pg_tblspc/&lt;oid&gt;/ are
 * then written through the link. A location must be missing or empty, like PGDATA; for a delta
 * restore it may also be the one PGDATA's link already points to.
 */
final class TablespaceLinks {
    private TablespaceLinks() {}

    /**
     * Refuses a location that is not empty, inside PGDATA, shared by two tablespaces, or
     * overlapping a running cluster's files (a missing one under a running cluster's data
     * directory, say, given by --tablespace-map); changes nothing.
     */
    static void check(List<DirectoryEntry> links, Path pgdata, List<RunningClusters.Postmaster> running)
            throws IOException {
        checkLocations(links, pgdata);
        checkNotInUse(links, running, "a restore");
        for (DirectoryEntry link : links) {
            DataDirectory.check(Path.of(link.linkTarget()).normalize(), "tablespace location for " + link.path());
        }
    }

    /**
     * For a delta restore into {@code pgdata}: refuses a location inside PGDATA or shared by two
     * tablespaces; one that overlaps a running cluster's data directory or tablespace location (a
     * copy of a live data directory keeps links to the live locations); and one that is not empty
     * unless PGDATA's own link (reached through real directories only) points to it, and then one
     * that is not a directory of this user's (its contents are brought to the backup's like
     * PGDATA's). Changes nothing.
     */
    static void checkForDelta(List<DirectoryEntry> links, Path pgdata, List<RunningClusters.Postmaster> running)
            throws IOException {
        checkLocations(links, pgdata);
        checkNotInUse(links, running, "a delta restore");
        for (DirectoryEntry link : links) {
            Path location = Path.of(link.linkTarget()).normalize();
            String what = "tablespace location for " + link.path();
            if (linkedFromPgdata(pgdata, link)) {
                DataDirectory.checkTakeOver(location, what);
            } else {
                DataDirectory.check(location, what + " (" + pgdata.resolve(link.path()) + " does not link to it)");
            }
        }
    }

    /**
     * Whether PGDATA's entry for {@code link} is a symbolic link to its location (as written, or
     * resolving to the same directory), reached through real directories only: through a linked
     * {@code pg_tblspc} it would be another directory's link.
     */
    private static boolean linkedFromPgdata(Path pgdata, DirectoryEntry link) throws IOException {
        Path at = pgdata.resolve(link.path());
        for (Path p = at.getParent(); p != null && !p.equals(pgdata); p = p.getParent()) {
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
        }
        Path location = Path.of(link.linkTarget());
        if (!Files.isSymbolicLink(at)) {
            return false;
        }
        if (linksExactly(at, location)) {
            return true;
        }
        Optional<Path> a = RunningClusters.real(at);
        return a.isPresent() && a.equals(RunningClusters.real(location));
    }

    /**
     * Refuses a location inside, or holding, the data directory or a tablespace location of one
     * of the {@code running} clusters ({@link RunningClusters#besides}); {@code restore} names the
     * command.
     */
    private static void checkNotInUse(List<DirectoryEntry> links, List<RunningClusters.Postmaster> running, String restore)
            throws TargetDirectoryException {
        for (DirectoryEntry link : links) {
            Path location = Path.of(link.linkTarget()).normalize();
            Path real = RunningClusters.whereItLies(location);
            for (RunningClusters.Postmaster p : running) {
                Optional<Path> used = p.overlapping(real);
                if (used.isPresent()) {
                    throw new TargetDirectoryException("tablespace location " + location + " for " + link.path()
                            + " overlaps " + used.get() + ", in use by the PostgreSQL running in " + p.dataDirectory()
                            + " (pid " + p.pid() + "): " + restore + " never writes into a running cluster's files;"
                            + " nothing was changed");
                }
            }
        }
    }

    /** Refuses a location that overlaps PGDATA or is shared by two tablespaces. */
    private static void checkLocations(List<DirectoryEntry> links, Path pgdata) throws IOException {
        Set<Path> seen = new HashSet<>();
        Path data = pgdata.toAbsolutePath().normalize();
        for (DirectoryEntry link : links) {
            Path location = Path.of(link.linkTarget()).normalize();
            if (!seen.add(location)) {
                throw new InvalidManifestException("backup manifest links two tablespaces to " + location);
            }
            if (location.startsWith(data) || data.startsWith(location)) {
                throw new TargetDirectoryException("tablespace " + link.path() + " is located at " + location
                        + ", which overlaps the restore's PGDATA " + data + "; nothing was changed");
            }
        }
    }

    /** Whether {@code at} is a symbolic link whose text is {@code location}, as a restore writes it. */
    private static boolean linksExactly(Path at, Path location) throws IOException {
        return Files.isSymbolicLink(at) && Files.readSymbolicLink(at).normalize().equals(location.normalize());
    }

    /**
     * For a delta restore, before anything under the links is read (and once every directory
     * above them is a real one): each entry at a link's place in PGDATA that is not the link a
     * restore writes (a link to another place or by another path, a directory, a file) is removed,
     * never followed, and the location ({@link #checkForDelta} checked it) and the link are made.
     * Returns how many entries were removed.
     */
    static int replaceForDelta(List<DirectoryEntry> links, Path pgdata) throws IOException {
        int removed = 0;
        for (DirectoryEntry link : links) {
            Path at = pgdata.resolve(link.path());
            Path location = Path.of(link.linkTarget());
            if (linksExactly(at, location)) {
                continue;
            }
            if (Files.isDirectory(at, LinkOption.NOFOLLOW_LINKS)) {
                DeltaSync.removeTree(at);
                removed++;
            } else if (Files.deleteIfExists(at)) {
                removed++;
            }
        }
        create(links, pgdata);
        return removed;
    }

    /** Creates each location (or takes over the empty one, or a delta restore's) and the link to it. */
    static void create(List<DirectoryEntry> links, Path pgdata) throws IOException {
        for (DirectoryEntry link : links) {
            Path location = Path.of(link.linkTarget());
            DataDirectory.prepare(location, Modes.pgDirectory(link.mode()));
            Path at = pgdata.resolve(link.path());
            if (linksExactly(at, location)) {
                continue; // a delta restore's, kept or made by replaceForDelta
            }
            Files.createDirectories(at.getParent(), Modes.attribute(Modes.OWNER_ONLY_DIR));
            Files.createSymbolicLink(at, location);
        }
    }
}
