package dev.pgvault.archiver.verify;

/** How bad a finding is: an error means some backup or recovery would fail or be incomplete. */
public enum Severity {
    ERROR,
    /** Worth knowing, restores are unaffected: a half-written backup left for expire. */
    WARNING,
    /** As intended, said so it is not mistaken for damage: the WAL after a pinned backup removed by expire. */
    INFO
}
