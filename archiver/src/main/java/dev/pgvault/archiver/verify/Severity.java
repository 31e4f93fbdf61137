package dev.pgvault.archiver.verify;

/** How bad a finding is: an error means some backup or recovery would fail or be incomplete. */
public enum Severity {
    ERROR,
    /** Worth knowing, restores are unaffected: a half-written backup left for expire. */
    WARNING
}
