package dev.pgvault.restore;

import dev.pgvault.archiver.backup.DirectoryEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Tablespaces: PGDATA/pg_tblspc/&lt;oid&gt; is a symbolic link to the tablespace's location,
 * recreated to the location it had when backed up. Files listed under pg_tblspc/&lt;oid&gt;/ are
 * then written through the link. A location must be missing or empty, like PGDATA; for a delta
 * restore it may also be the one PGDATA's link already points to.
 */
final class TablespaceLinks {
    private TablespaceLinks() {}

    /** Refuses a location that is not empty, inside PGDATA, or shared by two tablespaces; changes nothing. */
    static void check(List<DirectoryEntry> links, Path pgdata) throws IOException {
        for (DirectoryEntry link : checkedLocations(links, pgdata)) {
            DataDirectory.check(Path.of(link.linkTarget()).normalize(), "tablespace location for " + link.path());
        }
    }

    /**
     * For a delta restore into {@code pgdata}: refuses a location inside PGDATA or shared by two
     * tablespaces, one another running cluster links to (a copy of a live data directory keeps
     * links to the live locations), and one that is not empty unless PGDATA's own link points to
     * it (then its contents are brought to the backup's like PGDATA's). Changes nothing.
     */
    static void checkForDelta(List<DirectoryEntry> links, Path pgdata) throws IOException {
        List<DirectoryEntry> checked = checkedLocations(links, pgdata);
        if (checked.isEmpty()) {
            return;
        }
        Map<Path, RunningClusters.Postmaster> inUse = RunningClusters.tablespaceLocations(
                RunningClusters.real(pgdata).orElse(pgdata.toAbsolutePath().normalize()));
        for (DirectoryEntry link : checked) {
            Path location = Path.of(link.linkTarget()).normalize();
            RunningClusters.Postmaster user = RunningClusters.real(location).map(inUse::get).orElse(null);
            if (user != null) {
                throw new TargetDirectoryException("tablespace location " + location + " for " + link.path()
                        + " is in use by the PostgreSQL running in " + user.dataDirectory() + " (pid " + user.pid()
                        + "): a delta restore never writes into a running cluster's tablespace; nothing was changed");
            }
            if (!linksTo(pgdata.resolve(link.path()), location)) {
                DataDirectory.check(location, "tablespace location for " + link.path() + " (" + pgdata.resolve(link.path())
                        + " does not link to it)");
            }
        }
    }

    /** The links, once no location overlaps PGDATA or is shared by two tablespaces. */
    private static List<DirectoryEntry> checkedLocations(List<DirectoryEntry> links, Path pgdata) throws IOException {
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
        return links;
    }

    /** Whether {@code at} is a symbolic link to {@code location} (as written, or resolving to the same directory). */
    static boolean linksTo(Path at, Path location) throws IOException {
        if (!Files.isSymbolicLink(at)) {
            return false;
        }
        Path target = Files.readSymbolicLink(at);
        if (target.normalize().equals(location.normalize())) {
            return true;
        }
        Optional<Path> a = RunningClusters.real(at);
        return a.isPresent() && a.equals(RunningClusters.real(location));
    }

    /**
     * For a delta restore, before anything under the links is read: each entry at a link's place
     * in PGDATA that is not a link to the backup's location (another location, a directory, a
     * file) is removed, never followed, and the location (missing or empty: {@link #checkForDelta})
     * and the link are made. Returns how many entries were removed.
     */
    static int replaceForDelta(List<DirectoryEntry> links, Path pgdata) throws IOException {
        int removed = 0;
        for (DirectoryEntry link : links) {
            Path at = pgdata.resolve(link.path());
            Path location = Path.of(link.linkTarget());
            if (linksTo(at, location)) {
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
            if (linksTo(at, location)) {
                continue; // a delta restore's, kept or made by replaceForDelta
            }
            Files.createDirectories(at.getParent(), Modes.attribute(Modes.OWNER_ONLY_DIR));
            Files.createSymbolicLink(at, location);
        }
    }
}
