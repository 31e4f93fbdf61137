package dev.pgvault.restore.replica;

/** A connection string or replica option given on the command line is not valid: the message says why, never with a password. */
public class InvalidConnInfoException extends IllegalArgumentException {
    public InvalidConnInfoException(String message) {
        super(message);
    }
}
