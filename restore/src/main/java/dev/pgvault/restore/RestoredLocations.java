package dev.pgvault.restore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The tablespace locations a finished restore wrote into, for {@code --trust-times}: backup_label
 * vouches for the files that restore wrote, and under {@code pg_tblspc/<oid>} those are the files
 * of the location the restore linked there. A link pointed elsewhere by hand since (the restore's
 * {@code tablespace_map} says where it put each one; PostgreSQL renames it tablespace_map.old as it
 * starts, and makes the links it names again), or replaced by the delta restore itself,
 * leads to files no restore vouches for: they are read. A location is trusted by its path, and
 * only one with no link on the way to it: a link above it pointed elsewhere would lead to other
 * files under the same path.
 *
 * <p>Anything that cannot be read or parsed here trusts no tablespace: an optimisation never
 * fails a delta restore.
 */
final class RestoredLocations {
    /** No tablespace trusted. */
    static final RestoredLocations NONE = new RestoredLocations(Path.of("/"), Map.of());

    private static final String TBLSPC = "pg_tblspc/";
    private static final long MAP_MAX_BYTES = 1 << 20;

    private final Path pgdata;
    /** By OID, where the restore linked each tablespace, and its link still pointed before the delta. */
    private final Map<String, Path> linked;
    /** By OID, whether its link points there now: looked at once, after the delta has set the links. */
    private final Map<String, Boolean> stillLinked = new HashMap<>();

    private RestoredLocations(Path pgdata, Map<String, Path> linked) {
        this.pgdata = pgdata;
        this.linked = linked;
    }

    /**
     * Read before the delta changes anything: the restore's tablespace map against the links as
     * they are; {@code mapFileName} is tablespace_map, or tablespace_map.old in a copy started since.
     */
    static RestoredLocations before(Path pgdata, String mapFileName) {
        Path mapFile = pgdata.resolve(mapFileName);
        Map<String, Path> linked = new HashMap<>();
        try {
            if (!Files.isRegularFile(mapFile, LinkOption.NOFOLLOW_LINKS) || Files.size(mapFile) > MAP_MAX_BYTES) {
                return new RestoredLocations(pgdata, Map.of());
            }
            for (Map.Entry<String, String> t : TablespaceMapFile.locations(Files.readString(mapFile, StandardCharsets.UTF_8))
                    .entrySet()) {
                Path location = Path.of(t.getValue());
                if (location.isAbsolute() && location.equals(target(pgdata, t.getKey()))
                        && location.equals(location.toRealPath())) {
                    linked.put(t.getKey(), location);
                }
            }
        } catch (IOException | RuntimeException e) { // unreadable, not UTF-8, a path this JVM cannot name: none
            return new RestoredLocations(pgdata, Map.of());
        }
        return new RestoredLocations(pgdata, Map.copyOf(linked));
    }

    /** Whether the file at {@code path} (relative to PGDATA) is in PGDATA or in a location the restore wrote. */
    boolean wrote(String path) {
        if (!path.startsWith(TBLSPC)) {
            return true;
        }
        int slash = path.indexOf('/', TBLSPC.length());
        if (slash < 0) {
            return false;
        }
        String oid = path.substring(TBLSPC.length(), slash);
        Path location = linked.get(oid);
        if (location == null) {
            return false;
        }
        Boolean still = stillLinked.get(oid);
        if (still == null) {
            try {
                still = location.equals(target(pgdata, oid));
            } catch (IOException e) { // gone or changed meanwhile: not the restore's
                still = false;
            }
            stillLinked.put(oid, still);
        }
        return still;
    }

    /** Where pg_tblspc/{@code oid} points, or null when it is not a link. */
    private static Path target(Path pgdata, String oid) throws IOException {
        Path link = pgdata.resolve(TBLSPC + oid);
        return Files.isSymbolicLink(link) ? Files.readSymbolicLink(link) : null;
    }
}
