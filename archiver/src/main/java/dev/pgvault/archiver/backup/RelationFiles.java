package dev.pgvault.archiver.backup;

/**
 * What a path in PGDATA says about a file as a relation file. Relation data lives in
 * {@code global/}, {@code base/<db>/} and {@code pg_tblspc/<oid>/PG_<version>_<catversion>/<db>/},
 * in segment files named {@code <relfilenode>[_fsm|_vm|_init][.<segment>]}; temporary relations
 * are {@code t<backend>_<relfilenode>...}.
 */
public final class RelationFiles {
    private RelationFiles() {}

    /**
     * The segment number of the relation file at {@code path} (0 for {@code 16384}, 2 for
     * {@code 16384.2}), or -1 when the path is not a (permanent) relation segment file.
     */
    public static long segmentNumber(String path) {
        int slash = path.lastIndexOf('/');
        if (slash < 0 || !isDatabaseDirectory(path.substring(0, slash)) && !path.substring(0, slash).equals("global")) {
            return -1;
        }
        return segmentOfName(path.substring(slash + 1));
    }

    /** The segment number a relation file name holds, or -1 when it is not one. */
    static long segmentOfName(String name) {
        int i = digits(name, 0);
        if (i == 0) {
            return -1;
        }
        i = fork(name, i);
        if (i < 0) {
            return -1;
        }
        if (i == name.length()) {
            return 0;
        }
        if (name.charAt(i) != '.') {
            return -1;
        }
        int end = digits(name, i + 1);
        if (end == i + 1 || end != name.length() || end - i - 1 > 9) {
            return -1;
        }
        return Long.parseLong(name, i + 1, end, 10);
    }

    /** The relfilenode a relation file name starts with ("16384" for "16384_vm.1"), or null. */
    static String relfilenode(String name) {
        return segmentOfName(name) < 0 ? null : name.substring(0, digits(name, 0));
    }

    /** Whether the name is that of an init fork segment ("16384_init", "16384_init.1"). */
    static boolean isInitFork(String name) {
        int i = digits(name, 0);
        return i > 0 && segmentOfName(name) >= 0 && name.startsWith("_init", i);
    }

    /** A temporary relation's file: {@code t<digits>_<digits>[_fork][.<segment>]}. */
    public static boolean isTemporaryRelation(String name) {
        if (name.length() < 4 || name.charAt(0) != 't') {
            return false;
        }
        int i = digits(name, 1);
        if (i == 1 || i >= name.length() || name.charAt(i) != '_') {
            return false;
        }
        return segmentOfName(name.substring(i + 1)) >= 0;
    }

    /** {@code base/<oid>} or {@code pg_tblspc/<oid>/<version dir>/<oid>}. */
    public static boolean isDatabaseDirectory(String dir) {
        String[] parts = dir.split("/", -1);
        if (parts.length == 2 && parts[0].equals("base")) {
            return allDigits(parts[1]);
        }
        return parts.length == 4 && parts[0].equals("pg_tblspc") && allDigits(parts[1])
                && parts[2].startsWith("PG_") && allDigits(parts[3]);
    }

    private static int fork(String name, int i) {
        if (i == name.length() || name.charAt(i) != '_') {
            return i;
        }
        for (String fork : new String[] {"_fsm", "_vm", "_init"}) {
            if (name.startsWith(fork, i)) {
                return i + fork.length();
            }
        }
        return -1;
    }

    private static int digits(String s, int from) {
        int i = from;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        return i;
    }

    private static boolean allDigits(String s) {
        return !s.isEmpty() && digits(s, 0) == s.length();
    }
}
