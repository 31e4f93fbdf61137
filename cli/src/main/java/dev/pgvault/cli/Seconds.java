package dev.pgvault.cli;

/** A duration option in seconds, checked before anything is read or changed: 0 or less is a usage error. */
final class Seconds {
    private Seconds() {}

    static long positive(long value, String option) {
        if (value < 1) {
            throw new UserError(ExitCode.USAGE, option + " must be at least 1 second, not " + value);
        }
        return value;
    }
}
