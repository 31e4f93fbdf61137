package dev.pgvault.archiver.backup;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * What a base backup leaves out of PGDATA, after PostgreSQL's documentation ("Making a Base
 * Backup Using the Low Level API") and pg_basebackup's exclusion lists: files that PostgreSQL
 * recreates or that would be wrong in a restored cluster. Paths are relative to PGDATA with '/'.
 */
public final class ExclusionRules {

    /** What to do with a directory. */
    public enum DirectoryVerdict {
        /** Record it and copy what is inside (subject to these rules). */
        COPY,
        /** Record it, empty: PostgreSQL needs it to exist but not its contents. */
        EMPTY,
        /** Leave it out altogether. */
        SKIP
    }

    /** Directories whose contents a restored cluster must not see, or need not: kept empty. */
    private static final Set<String> EMPTY_DIRECTORIES = Set.of(
            "pg_replslot", "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans");

    /** Files left out wherever they are (pg_basebackup matches them by name in every directory). */
    private static final Set<String> EXCLUDED_FILES = Set.of(
            "postmaster.pid", "postmaster.opts",
            "backup_label", "tablespace_map", "backup_manifest",
            "current_logfiles", "current_logfiles.tmp", "postgresql.auto.conf.tmp",
            // the primary's password, written by pgvault replica create: secrets stay out of the repository
            "pgvault.pgpass");

    private static final String TEMP_PREFIX = "pgsql_tmp";
    private static final String RELCACHE_INIT = "pg_internal.init";

    private final String versionDirectoryPrefix;

    /** {@code pgMajorVersion}: e.g. 15; a tablespace keeps only its "PG_15_..." directory. */
    public ExclusionRules(int pgMajorVersion) {
        this.versionDirectoryPrefix = "PG_" + pgMajorVersion + "_";
    }

    public DirectoryVerdict directory(String path) {
        String name = name(path);
        if (name.startsWith(TEMP_PREFIX)) {
            return DirectoryVerdict.SKIP;
        }
        String parent = parent(path);
        if (parent.isEmpty() && EMPTY_DIRECTORIES.contains(name)) {
            return DirectoryVerdict.EMPTY;
        }
        // A tablespace's location may hold directories of other PostgreSQL versions (pg_upgrade).
        if (isTablespaceLink(parent) && !name.startsWith(versionDirectoryPrefix)) {
            return DirectoryVerdict.SKIP;
        }
        return DirectoryVerdict.COPY;
    }

    /** Whether a regular file is copied; unlogged relations are decided by {@link #unloggedFiles}. */
    public boolean copyFile(String path) {
        String name = name(path);
        String parent = parent(path);
        if (parent.equals("pg_wal") || parent.startsWith("pg_wal/")) {
            return false; // WAL comes from the archive; only the directories are kept
        }
        if (EXCLUDED_FILES.contains(name) || name.startsWith(RELCACHE_INIT) || name.startsWith(TEMP_PREFIX)) {
            return false;
        }
        if (isTablespaceLink(parent)) {
            return false; // stray files beside the version directories
        }
        return !(RelationFiles.isDatabaseDirectory(parent) && RelationFiles.isTemporaryRelation(name));
    }

    /**
     * Of the file names in one database directory, those of unlogged relations other than their
     * init fork: PostgreSQL resets an unlogged relation from its init fork at the end of recovery,
     * so its other forks would only be overwritten.
     */
    public static Set<String> unloggedFiles(Collection<String> namesInDatabaseDirectory) {
        Set<String> unlogged = new HashSet<>();
        for (String name : namesInDatabaseDirectory) {
            if (RelationFiles.isInitFork(name)) {
                unlogged.add(RelationFiles.relfilenode(name));
            }
        }
        Set<String> skip = new HashSet<>();
        if (unlogged.isEmpty()) {
            return skip;
        }
        for (String name : namesInDatabaseDirectory) {
            String node = RelationFiles.relfilenode(name);
            if (node != null && unlogged.contains(node) && !RelationFiles.isInitFork(name)) {
                skip.add(name);
            }
        }
        return skip;
    }

    /** {@code pg_tblspc/<oid>}: the link (or in-place directory) of one tablespace. */
    static boolean isTablespaceLink(String path) {
        return path.startsWith("pg_tblspc/") && path.indexOf('/', "pg_tblspc/".length()) < 0;
    }

    private static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }
}
