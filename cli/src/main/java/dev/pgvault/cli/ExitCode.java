package dev.pgvault.cli;

/** The process exit codes pgvault documents in its README. Only the cli module uses them. */
public enum ExitCode {
    OK(0),
    /** The thing asked for is not there: archive-get of a segment the repository lacks. */
    NOT_FOUND(1),
    /** Bad command-line arguments. */
    USAGE(2),
    /** The configuration file is missing, unreadable or wrong. */
    CONFIG(3),
    /** The repository could not be read or written. */
    REPOSITORY(4),
    /** PostgreSQL could not be reached or refused what was asked. */
    POSTGRES(5),
    /** Stored data failed verification: a checksum, a size, a decryption tag. */
    CORRUPT(6),
    /** The repository already holds something different under that name. */
    CONFLICT(7),
    /** HA: etcd could not be reached, or the cluster did not reach the asked state in time. */
    HA(8),
    /** A bug: an unexpected exception. */
    INTERNAL(70),
    /**
     * archive-get failed for a reason other than "not found". PostgreSQL reads exit codes 1-125
     * from restore_command as "no such file" and would end recovery early, silently; above 125 it
     * stops recovery instead, which is what a corrupt or unreachable archive calls for.
     */
    RESTORE_ABORT(126);

    public final int code;

    ExitCode(int code) {
        this.code = code;
    }
}
