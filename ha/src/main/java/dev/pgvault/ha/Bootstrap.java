package dev.pgvault.ha;

/** How the first node of a new cluster gets its data directory. */
public enum Bootstrap {
    /** initdb: a new, empty cluster. */
    INITDB,
    /**
     * Restore the stanza's newest backup and replay the whole archive: the cluster comes back
     * after every node was lost, then continues on a new timeline.
     */
    REPOSITORY
}
