package dev.pgvault.archiver.backup;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files whose identity may have changed between two backups, as the WAL between them records
 * it, from pg_waldump's description of its Storage and Database records. Such a file's pages may
 * keep LSNs older than the parent backup while holding other bytes than the parent's copy under
 * that name (a database copied from its template with {@code STRATEGY FILE_COPY} over an OID that
 * was dropped; a relfilenode used again), so an incremental backup stores it whole:
 * <ul>
 * <li>{@code CREATE base/5/16384} (a relation fork made): that relation's files, every fork;
 * <li>{@code TRUNCATE base/5/16384 to N blocks}: that relation's files;
 * <li>{@code CREATE_FILE_COPY copy dir 1663/1 to 1663/16390}, {@code CREATE_WAL_LOG create dir
 *     1663/16390}, {@code DROP dir 1663/16390}: every file of that database directory.
 * </ul>
 * It also says whether the WAL records a restart with {@code wal_log_hints} off ({@link
 * #hintsUnlogged}): without data checksums, hint bits and the all-visible flag are then set
 * without a new page LSN, so no page may be trusted by its LSN.
 */
public final class RelationChanges {
    private static final Pattern RELATION = Pattern.compile("desc: (?:CREATE|TRUNCATE) ((?:base|global|pg_tblspc)/\\S+)");
    private static final Pattern COPY = Pattern.compile("desc: CREATE_FILE_COPY copy dir \\d+/\\d+ to (\\d+)/(\\d+)");
    private static final Pattern CREATE_DIR = Pattern.compile("desc: CREATE_WAL_LOG create dir (\\d+)/(\\d+)");
    private static final Pattern DROP = Pattern.compile("desc: DROP dir ((?:\\d+/\\d+ ?)+)");
    private static final Pattern PAIR = Pattern.compile("(\\d+)/(\\d+)");
    /** pg_default and pg_global: the tablespaces whose directories are not under pg_tblspc. */
    private static final long DEFAULT_TABLESPACE = 1663;
    private static final long GLOBAL_TABLESPACE = 1664;

    public static final RelationChanges NONE = new RelationChanges(Set.of(), Set.of(), false);

    private final Set<String> relations;
    /** "tablespace/database" pairs. */
    private final Set<String> databases;
    private final boolean hintsUnlogged;

    private RelationChanges(Set<String> relations, Set<String> databases, boolean hintsUnlogged) {
        this.relations = Set.copyOf(relations);
        this.databases = Set.copyOf(databases);
        this.hintsUnlogged = hintsUnlogged;
    }

    /** Whether PostgreSQL ran with wal_log_hints off at some time in the range (a PARAMETER_CHANGE record says so). */
    public boolean hintsUnlogged() {
        return hintsUnlogged;
    }

    /** Reads pg_waldump's lines; lines of other records are ignored. */
    public static RelationChanges parse(List<String> lines) {
        Set<String> relations = new HashSet<>();
        Set<String> databases = new HashSet<>();
        boolean hintsUnlogged = false;
        for (String line : lines) {
            if (line.contains("desc: PARAMETER_CHANGE") && line.contains("wal_log_hints=off")) {
                hintsUnlogged = true;
                continue;
            }
            Matcher m = RELATION.matcher(line);
            if (m.find()) {
                relations.add(withoutFork(m.group(1)));
                continue;
            }
            m = COPY.matcher(line);
            if (m.find()) {
                databases.add(m.group(1) + "/" + m.group(2));
                continue;
            }
            m = CREATE_DIR.matcher(line);
            if (m.find()) {
                databases.add(m.group(1) + "/" + m.group(2));
                continue;
            }
            m = DROP.matcher(line);
            if (m.find()) {
                Matcher pair = PAIR.matcher(m.group(1));
                while (pair.find()) {
                    databases.add(pair.group(1) + "/" + pair.group(2));
                }
            }
        }
        return new RelationChanges(relations, databases, hintsUnlogged);
    }

    /** Whether the file at {@code path} (relative to PGDATA) must be stored whole. */
    public boolean storeWhole(String path) {
        int slash = path.lastIndexOf('/');
        if (slash < 0) {
            return false;
        }
        String dir = path.substring(0, slash);
        String name = path.substring(slash + 1);
        String node = RelationFiles.relfilenode(name);
        if (node != null && relations.contains(dir + "/" + node)) {
            return true;
        }
        String database = databaseOf(dir);
        return database != null && databases.contains(database);
    }

    /** How many relations and databases changed identity: for the backup's progress line. */
    public String describe() {
        return relations.size() + " relations and " + databases.size() + " databases created, truncated or dropped";
    }

    /** "base/5/16384_fsm" as "base/5/16384": every fork of a relation goes with it. */
    private static String withoutFork(String relationPath) {
        int slash = relationPath.lastIndexOf('/');
        String node = RelationFiles.relfilenode(relationPath.substring(slash + 1));
        return node == null ? relationPath : relationPath.substring(0, slash + 1) + node;
    }

    /** "1663/5" for base/5, "1664/0" for global, "16400/5" for pg_tblspc/16400/PG_15_.../5; else null. */
    private static String databaseOf(String dir) {
        if (dir.equals("global")) {
            return GLOBAL_TABLESPACE + "/0";
        }
        String[] p = dir.split("/");
        if (p.length == 2 && p[0].equals("base")) {
            return DEFAULT_TABLESPACE + "/" + p[1];
        }
        if (p.length == 4 && p[0].equals("pg_tblspc")) {
            return p[1] + "/" + p[3];
        }
        return null;
    }
}
