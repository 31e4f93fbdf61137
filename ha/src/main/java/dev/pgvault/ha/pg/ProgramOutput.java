package dev.pgvault.ha.pg;

/** What a PostgreSQL program printed (stdout and stderr together) and how it exited. */
record ProgramOutput(String program, int exitCode, String output) {

    boolean ok() {
        return exitCode == 0;
    }

    /** The line that says why it failed. */
    String reason() {
        String line = ErrorLine.in(output);
        return line == null ? "no output" : line;
    }

    /** The failure as one line: "pg_rewind exited 1: pg_rewind: error: ...". */
    String failure() {
        return program + " exited " + exitCode + ": " + reason();
    }
}
