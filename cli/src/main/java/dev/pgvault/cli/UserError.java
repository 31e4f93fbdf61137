package dev.pgvault.cli;

/** A failure a command has already put into words for the user, with its exit code. */
final class UserError extends RuntimeException {
    private final ExitCode code;

    UserError(ExitCode code, String message) {
        super(message);
        this.code = code;
    }

    ExitCode code() {
        return code;
    }
}
