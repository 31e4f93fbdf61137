package dev.pgvault.ha.tls;

import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS to etcd endpoints given as {@code https://}: the authorities trusted to sign etcd's server
 * certificates ({@code ha.etcd-ca-file}, PEM; without it the JDK's own), and for an etcd started
 * with {@code --client-cert-auth} this client's certificate ({@code ha.etcd-cert-file}) and its
 * key ({@code ha.etcd-key-file}: unencrypted PKCS#8, readable by its owner only, as for the REST
 * API). Server names are checked against each endpoint's host, as etcdctl checks them.
 *
 * @param context the client side, built once every file has been read and checked
 * @param probe the same trust and certificate for the JDK's TLS, to say why a handshake fails
 * @param summary what is trusted and presented, for logs: never key material
 */
public record EtcdClientTls(SslContext context, SSLContext probe, String summary) {
    private static final String CA_KEY = "ha.etcd-ca-file";
    private static final String CERT_KEY = "ha.etcd-cert-file";
    private static final String KEY_KEY = "ha.etcd-key-file";

    /**
     * Reads and checks the files (any may be null; the certificate and key come together), so that a
     * missing file, a key that is not the certificate's or a key others may read is named when the
     * configuration loads, not as a failed handshake later.
     */
    public static EtcdClientTls load(Path caFile, Path certFile, Path keyFile) throws TlsSetupException {
        if ((certFile == null) != (keyFile == null)) {
            throw new TlsSetupException(certFile == null ? KEY_KEY + " set without " + CERT_KEY
                    : CERT_KEY + " set without " + KEY_KEY);
        }
        SslContextBuilder builder = GrpcSslContexts.forClient();
        String trusted = "the JDK's trusted authorities";
        TrustManager[] trust = null;
        KeyManager[] keys = null;
        try {
            if (caFile != null) {
                List<X509Certificate> authorities = PemFiles.certificates(CA_KEY, caFile);
                builder.trustManager(authorities);
                trusted = CA_KEY + " " + caFile;
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                for (int i = 0; i < authorities.size(); i++) {
                    store.setCertificateEntry("ca" + i, authorities.get(i));
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(store);
                trust = tmf.getTrustManagers();
            }
            String presented = "no client certificate";
            if (certFile != null) {
                List<X509Certificate> chain = PemFiles.certificates(CERT_KEY, certFile);
                PrivateKey key = PemFiles.privateKey(KEY_KEY, keyFile);
                PemFiles.requireKeyOf(chain.get(0), CERT_KEY, certFile, key, KEY_KEY, keyFile);
                builder.keyManager(key, chain);
                presented = "client certificate " + chain.get(0).getSubjectX500Principal().getName();
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                char[] none = new char[0];
                store.setKeyEntry("client", key, none, chain.toArray(X509Certificate[]::new));
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(store, none);
                keys = kmf.getKeyManagers();
            }
            SSLContext probe = SSLContext.getInstance("TLS");
            probe.init(keys, trust, null);
            return new EtcdClientTls(builder.build(), probe, "trusting " + trusted + ", " + presented);
        } catch (IllegalArgumentException | GeneralSecurityException | java.io.IOException e) {
            throw new TlsSetupException("cannot set up TLS to etcd from " + (caFile == null ? "" : CA_KEY + " " + caFile + " ")
                    + (certFile == null ? "" : CERT_KEY + " " + certFile) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Why a TLS handshake with {@code endpoint} fails, in one line, within {@code limit}; null when
     * it succeeds or the endpoint does not answer at all.
     */
    public String handshakeFailure(java.net.URI endpoint, java.time.Duration limit) {
        return TlsProbe.failure(probe, endpoint, limit);
    }

    @Override
    public String toString() {
        return "EtcdClientTls[" + summary + "]";
    }
}
