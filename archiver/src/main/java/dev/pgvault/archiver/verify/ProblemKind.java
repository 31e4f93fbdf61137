package dev.pgvault.archiver.verify;

/** What verify found wrong; stable names for the JSON output. */
public enum ProblemKind {
    /** A backup object the manifest lists is not in the repository. */
    MISSING_OBJECT,
    /** The object's size in the repository differs from the manifest's stored size. */
    STORED_SIZE_MISMATCH,
    /** The object fails its own checks: header, authentication tag, compression, SHA-256, length. */
    CORRUPT_OBJECT,
    /** The object decodes cleanly but not to the plain size or SHA-256 the manifest records. */
    OBJECT_MISMATCH,
    /** A file's bytes inside its object do not hash to the manifest's SHA-256, or are cut short. */
    FILE_CHECKSUM_MISMATCH,
    /** The manifest itself cannot be read or parsed. */
    MANIFEST_UNREADABLE,
    /** The manifest contradicts itself: a file in an object it does not list, a bad key or WAL name. */
    MANIFEST_INCONSISTENT,
    /**
     * An incremental or differential backup needs an object of an earlier backup of its chain
     * that is missing, damaged, or not listed by that backup: the backup cannot be restored.
     */
    CHAIN_OBJECT_MISSING,
    /** A backup directory without a manifest: not a backup, garbage for expire (a warning). */
    INCOMPLETE_BACKUP,
    /** An archived WAL file fails its checks. */
    CORRUPT_WAL,
    /** An archived WAL file is intact but holds another file's content: another segment, cluster or timeline. */
    MISPLACED_WAL,
    /**
     * An archived segment whose WAL stops before its end, only zeros after it and no switch record
     * before them: a copy cut short (archive-push refuses such a file since stop 37; one stored
     * earlier stays). Recovery through it ends early, where its WAL stops.
     */
    UNFINISHED_WAL,
    /** An object in the WAL area that archive-get would never find: not a WAL name, or misplaced. */
    UNEXPECTED_WAL_OBJECT,
    /** WAL between a backup's start and stop segments is missing or corrupt: it cannot be restored. */
    BACKUP_WAL_MISSING,
    /** A segment after a backup's stop segment is missing or corrupt: recovery cannot replay past it. */
    WAL_GAP
}
