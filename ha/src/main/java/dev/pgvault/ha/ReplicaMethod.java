package dev.pgvault.ha;

/** How an empty node gets its data directory. */
public enum ReplicaMethod {
    /** Restore the newest backup from the repository, then stream from the leader. */
    REPOSITORY,
    /** pg_basebackup from the leader. */
    BASEBACKUP
}
