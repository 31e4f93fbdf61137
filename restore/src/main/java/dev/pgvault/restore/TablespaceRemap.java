package dev.pgvault.restore;

import dev.pgvault.archiver.backup.DirectoryEntry;
import dev.pgvault.archiver.backup.Manifest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * New locations for a backup's tablespaces, given at restore time: a copy on another host whose
 * disks are laid out otherwise, or a copy beside its original on the same host (where the
 * original's locations are in use, and so refused). Each tablespace is named by its
 * OID or by the location it had when backed up, as {@code pg_basebackup -T} names it; {@code
 * all}, when set, places every tablespace not named otherwise in a directory of that name under
 * it, named by its OID.
 *
 * <p>Both places that say where a tablespace is are rewritten: the {@code pg_tblspc/<oid>} link,
 * and the backup's {@code tablespace_map}, from which PostgreSQL recreates the links when it
 * starts recovery (left as it was, it would point them back at the old locations).
 *
 * @param moves new location by OID or old location, in the order given
 * @param all the directory under which every other tablespace goes, or null
 */
public record TablespaceRemap(Map<String, Path> moves, Path all) {
    /** Every tablespace where it was. */
    public static final TablespaceRemap NONE = new TablespaceRemap(Map.of(), null);

    public TablespaceRemap {
        moves = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(moves)); // said back in the order given
        moves.forEach((from, to) -> requireUsable(to, "--tablespace-map " + from + "=" + to));
        if (all != null) {
            requireUsable(all, "--tablespace-map-all " + all);
        }
    }

    /**
     * From the command line's {@code FROM=TO} words (FROM an OID or an old location, TO an
     * absolute path) and the {@code all} directory (or null). A malformed word is an {@link
     * IllegalArgumentException} naming it.
     */
    public static TablespaceRemap parse(List<String> words, Path all) {
        Map<String, Path> moves = new LinkedHashMap<>();
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq <= 0 || eq == w.length() - 1) {
                throw new IllegalArgumentException("--tablespace-map '" + w + "': expected OID=DIR or OLD-LOCATION=DIR");
            }
            String from = w.substring(0, eq);
            String key = isOid(from) ? from : Path.of(from).normalize().toString();
            if (!isOid(from) && !Path.of(from).isAbsolute()) {
                throw new IllegalArgumentException("--tablespace-map '" + w + "': " + from
                        + " is neither an OID nor an absolute location");
            }
            if (moves.put(key, Path.of(w.substring(eq + 1))) != null) {
                throw new IllegalArgumentException("--tablespace-map names " + from + " twice");
            }
        }
        return new TablespaceRemap(moves, all);
    }

    public boolean isEmpty() {
        return moves.isEmpty() && all == null;
    }

    /**
     * {@code backup} with its tablespaces at their new locations: links and tablespace_map. A
     * tablespace named that the backup does not have is a {@link TargetDirectoryException} that
     * lists the ones it has.
     */
    public Manifest applyTo(Manifest backup) throws TargetDirectoryException {
        if (isEmpty()) {
            return backup;
        }
        Map<String, Path> byOid = new LinkedHashMap<>();
        Set<String> unused = new LinkedHashSet<>(moves.keySet());
        List<DirectoryEntry> dirs = new ArrayList<>();
        for (DirectoryEntry d : backup.directories()) {
            if (!isLink(d)) {
                dirs.add(d);
                continue;
            }
            String oid = ManifestPaths.tablespaceOid(d.path());
            Optional<Path> to = newLocation(oid, d.linkTarget());
            unused.remove(oid);
            unused.remove(Path.of(d.linkTarget()).normalize().toString());
            if (to.isEmpty()) {
                dirs.add(d);
            } else {
                byOid.put(oid, to.get());
                dirs.add(new DirectoryEntry(d.path(), d.mode(), to.get().toString()));
            }
        }
        if (!unused.isEmpty()) {
            throw new TargetDirectoryException("--tablespace-map names " + String.join(", ", unused) + ", which backup "
                    + backup.id() + " has no tablespace of (it has " + tablespaces(backup) + "); nothing was changed");
        }
        checkApart(dirs, byOid);
        return backup.withTablespaces(dirs, TablespaceMapFile.rewrite(backup.tablespaceMap(), byOid));
    }

    private Optional<Path> newLocation(String oid, String oldLocation) throws TargetDirectoryException {
        Path byOid = moves.get(oid);
        Path byOld = moves.get(Path.of(oldLocation).normalize().toString());
        if (byOid != null && byOld != null && !byOid.equals(byOld)) {
            throw new TargetDirectoryException("--tablespace-map gives tablespace " + oid + " (" + oldLocation
                    + ") two new locations: " + byOid + " and " + byOld + "; nothing was changed");
        }
        Path to = byOid != null ? byOid : byOld;
        if (to == null && all != null) {
            to = all.resolve(oid);
        }
        return Optional.ofNullable(to).map(Path::normalize);
    }

    /**
     * Refuses new locations that coincide with, or lie inside, another tablespace's: the files of
     * two tablespaces would mix.
     */
    private static void checkApart(List<DirectoryEntry> dirs, Map<String, Path> moved) throws TargetDirectoryException {
        record Place(String oid, Path given, Path real) {
            boolean meets(Place o) {
                return given.startsWith(o.given) || o.given.startsWith(given) || real.startsWith(o.real) || o.real.startsWith(real);
            }
        }
        List<Place> places = dirs.stream().filter(TablespaceRemap::isLink).map(d -> {
            Path given = Path.of(d.linkTarget()).normalize();
            return new Place(ManifestPaths.tablespaceOid(d.path()), given, RunningClusters.whereItLies(given));
        }).toList(); // each resolved once; real: through links, as the files would lie
        for (Place a : places) {
            if (!moved.containsKey(a.oid())) {
                continue;
            }
            for (Place b : places) {
                if (!a.oid().equals(b.oid()) && a.meets(b)) {
                    throw new TargetDirectoryException("tablespace map puts tablespace " + a.oid() + " at " + a.given()
                            + " and tablespace " + b.oid() + " at " + b.given()
                            + ": one location may not be or hold another; nothing was changed");
                }
            }
        }
    }

    /** "16385 at /srv/ts1, 16386 at /srv/ts2", or "none". */
    private static String tablespaces(Manifest backup) {
        List<String> out = new ArrayList<>();
        for (DirectoryEntry d : backup.directories()) {
            if (isLink(d)) {
                out.add(ManifestPaths.tablespaceOid(d.path()) + " at " + d.linkTarget());
            }
        }
        return out.isEmpty() ? "none" : String.join(", ", out);
    }

    /** Whether {@code d} is a tablespace's link (not an in-place tablespace's directory). */
    private static boolean isLink(DirectoryEntry d) {
        return d.linkTarget() != null && ManifestPaths.isTablespaceLink(d.path());
    }

    private static boolean isOid(String s) {
        return !s.isEmpty() && s.length() <= 10 && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /**
     * An absolute path that tablespace_map can hold as a plain line: PostgreSQL escapes line
     * breaks and backslashes in a location with a backslash, and reads every backslash as an
     * escape. {@code given} names the option in the message.
     */
    private static void requireUsable(Path p, String given) {
        String s = p.toString();
        if (s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0 || s.indexOf('\\') >= 0) {
            throw new IllegalArgumentException(given.replace("\n", "\\n").replace("\r", "\\r")
                    + ": the location holds a line break or a backslash, which tablespace_map cannot carry plainly");
        }
        if (!p.isAbsolute()) {
            throw new IllegalArgumentException(given + ": not an absolute path");
        }
    }
}
