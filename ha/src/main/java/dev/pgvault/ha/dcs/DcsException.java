package dev.pgvault.ha.dcs;

/** etcd could not be reached or refused a request; the message names the endpoint and the operation. */
public class DcsException extends Exception {
    public DcsException(String message) {
        super(message);
    }

    public DcsException(String message, Throwable cause) {
        super(message, cause);
    }
}
