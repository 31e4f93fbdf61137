package dev.pgvault.restore;

import dev.pgvault.archiver.backup.DirectoryEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Tablespaces: PGDATA/pg_tblspc/&lt;oid&gt; is a symbolic link to the tablespace's location,
 * recreated to the location it had when backed up. Files listed under pg_tblspc/&lt;oid&gt;/ are
 * then written through the link. A location must be missing or empty, like PGDATA.
 */
final class TablespaceLinks {
    private TablespaceLinks() {}

    /** Refuses a location that is not empty, inside PGDATA, or shared by two tablespaces; changes nothing. */
    static void check(List<DirectoryEntry> links, Path pgdata) throws IOException {
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
            DataDirectory.check(location, "tablespace location for " + link.path());
        }
    }

    /** Creates each location (or takes over the empty one) and the link to it. */
    static void create(List<DirectoryEntry> links, Path pgdata) throws IOException {
        for (DirectoryEntry link : links) {
            Path location = Path.of(link.linkTarget());
            DataDirectory.prepare(location, Modes.pgDirectory(link.mode()));
            Path at = pgdata.resolve(link.path());
            Files.createDirectories(at.getParent(), Modes.attribute(Modes.OWNER_ONLY_DIR));
            Files.createSymbolicLink(at, location);
        }
    }
}
