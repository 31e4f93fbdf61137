package dev.pgvault.restore.recovery;

/** A recovery target, action or timeline given on the command line is not valid: the message says why. */
public class InvalidTargetException extends IllegalArgumentException {
    public InvalidTargetException(String message) {
        super(message);
    }
}
