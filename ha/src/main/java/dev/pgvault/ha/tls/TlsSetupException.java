package dev.pgvault.ha.tls;

/** A certificate or key file that cannot be used: the message names the file and what is wrong. */
public final class TlsSetupException extends Exception {
    public TlsSetupException(String message) {
        super(message);
    }

    public TlsSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
