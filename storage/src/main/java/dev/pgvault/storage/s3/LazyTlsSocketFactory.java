package dev.pgvault.storage.s3;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import javax.net.ssl.SSLContext;
import org.apache.http.HttpHost;
import org.apache.http.conn.socket.LayeredConnectionSocketFactory;
import org.apache.http.conn.ssl.SSLConnectionSocketFactory;
import org.apache.http.protocol.HttpContext;
import software.amazon.awssdk.http.SystemPropertyTlsKeyManagersProvider;

/**
 * The TLS set-up the SDK makes by default (a TLS context with the key managers that the
 * {@code javax.net.ssl.keyStore} properties name, the trust store the JVM's properties name or
 * else the JDK's CA certificates, and host-name verification), made on the first https
 * connection instead of when the client is built: made eagerly, reading and parsing the JDK's
 * ~150 CA certificates cost every S3 call ~0.12 s (median of 7), which a call to an
 * {@code http://} endpoint never uses.
 */
final class LazyTlsSocketFactory implements LayeredConnectionSocketFactory {
    private volatile SSLConnectionSocketFactory tls;

    private SSLConnectionSocketFactory tls() throws IOException {
        SSLConnectionSocketFactory t = tls;
        if (t == null) {
            synchronized (this) {
                t = tls;
                if (t == null) {
                    try {
                        SSLContext context = SSLContext.getInstance("TLS");
                        context.init(SystemPropertyTlsKeyManagersProvider.create().keyManagers(), null, null);
                        t = new SSLConnectionSocketFactory(context, SSLConnectionSocketFactory.getDefaultHostnameVerifier());
                    } catch (GeneralSecurityException e) {
                        throw new IOException("cannot set up TLS: " + e.getMessage(), e);
                    }
                    tls = t;
                }
            }
        }
        return t;
    }

    @Override
    public Socket createSocket(HttpContext context) throws IOException {
        return tls().createSocket(context);
    }

    @Override
    public Socket connectSocket(int connectTimeout, Socket sock, HttpHost host, InetSocketAddress remoteAddress,
            InetSocketAddress localAddress, HttpContext context) throws IOException {
        return tls().connectSocket(connectTimeout, sock, host, remoteAddress, localAddress, context);
    }

    @Override
    public Socket createLayeredSocket(Socket socket, String target, int port, HttpContext context) throws IOException {
        return tls().createLayeredSocket(socket, target, port, context);
    }
}
