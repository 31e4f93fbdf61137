package dev.pgvault.storage.s3;

import java.io.IOException;
import javax.xml.stream.XMLStreamException;

/**
 * Reads a failed request's causes, following the one link {@link Throwable#getCause()} misses: the
 * JDK's XML parser turns an {@link IOException} met mid-document (a listing whose body was cut
 * short) into an {@link XMLStreamException} that holds it only as its nested exception. The SDK's
 * own "root cause" rule stops at that parse error, so such a listing failed on its first attempt.
 */
final class TransportFault {
    private static final int MAX_DEPTH = 32;

    private TransportFault() {}

    /** Whether an {@link IOException} is among {@code failure}'s causes: the request died in transport. */
    static boolean in(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = next(t)) {
            if (t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    /** The deepest of {@code failure}'s causes. */
    static Throwable root(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; depth < MAX_DEPTH; depth++) {
            Throwable n = next(t);
            if (n == null) {
                return t;
            }
            t = n;
        }
        return t;
    }

    private static Throwable next(Throwable t) {
        Throwable cause = t.getCause();
        if (cause == null && t instanceof XMLStreamException x) {
            cause = x.getNestedException();
        }
        return cause == t ? null : cause;
    }
}
