package dev.pgvault.ha.tls;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One TLS handshake with an endpoint, as the etcd client makes it, to say why requests go
 * unanswered. gRPC retries a connection whose handshake fails without telling the request that
 * waits on it, so a wrong authority or a missing client certificate would otherwise read as an
 * etcd that does not answer.
 */
final class TlsProbe {
    private TlsProbe() {}

    /** Why a handshake with {@code endpoint} fails, in one line; null when it succeeds or nothing answers. */
    static String failure(SSLContext context, URI endpoint, Duration limit) {
        int millis = (int) Math.max(1, limit.toMillis());
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
            socket.connect(new InetSocketAddress(endpoint.getHost(), endpoint.getPort()), millis);
            socket.setSoTimeout(millis);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the name check gRPC makes
            parameters.setApplicationProtocols(new String[] {"h2"});
            if (!Character.isDigit(endpoint.getHost().charAt(0)) && !endpoint.getHost().contains(":")) {
                parameters.setServerNames(List.of(new SNIHostName(endpoint.getHost())));
            }
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            // TLS 1.3 ends the client's side of the handshake before the server has judged the
            // client's certificate: a refusal arrives as an alert on the first read
            socket.getInputStream().read();
            return null;
        } catch (SSLException e) {
            return inWords(firstLine(e));
        } catch (SocketTimeoutException e) {
            return null; // accepted and quiet, or nothing answers: not a TLS failure
        } catch (IOException | RuntimeException e) {
            return null; // refused, unreachable, closed: said by the request itself
        }
    }

    /** The JDK's words for the two usual mistakes say where the mistake is, not how the check failed. */
    static String inWords(String reason) {
        if (reason.contains("PKIX path") || reason.contains("unable to find valid certification path")) {
            return "etcd's certificate is not signed by an authority this client trusts";
        }
        if (reason.contains("alert: bad_certificate") || reason.contains("alert: certificate_required")
                || reason.contains("alert: unknown_ca")) {
            return "etcd refused this client's certificate, or its lack of one (" + reason + ")";
        }
        return reason;
    }

    private static String firstLine(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root && root.getCause() instanceof SSLException) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
