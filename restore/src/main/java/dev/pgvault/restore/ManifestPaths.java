package dev.pgvault.restore;

import java.util.regex.Pattern;

/**
 * The rules a manifest path must follow before it is joined to PGDATA: relative, '/'-separated,
 * no empty, "." or ".." segment. A damaged or hostile manifest can then write nowhere but below
 * PGDATA and its tablespace links.
 */
final class ManifestPaths {
    private static final Pattern TABLESPACE_LINK = Pattern.compile("pg_tblspc/[0-9]+");

    private ManifestPaths() {}

    static void check(String path, String what) throws InvalidManifestException {
        if (path == null || path.isEmpty() || path.startsWith("/") || path.indexOf('\0') >= 0 || path.indexOf('\\') >= 0) {
            throw new InvalidManifestException("backup manifest lists a " + what + " with an invalid path: '" + path + "'");
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new InvalidManifestException("backup manifest lists a " + what + " with an invalid path: '" + path + "'");
            }
        }
    }

    /** PGDATA itself, as a manifest may list it to record its mode. */
    static boolean isRoot(String path) {
        return path == null || path.isEmpty() || path.equals(".");
    }

    static boolean isTablespaceLink(String path) {
        return TABLESPACE_LINK.matcher(path).matches();
    }

    /** The OID of tablespace link {@code path} ({@link #isTablespaceLink}): its last name. */
    static String tablespaceOid(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
