package dev.pgvault.ha.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * TLS for the agent's REST API: {@code ha.api-cert-file} (the certificate, then any intermediates,
 * PEM) and {@code ha.api-key-file} (its unencrypted PKCS#8 key, PEM, readable by its owner only).
 */
public record ApiTls(Path certFile, Path keyFile) {
    private static final String CERT_KEY = "ha.api-cert-file";
    private static final String KEY_KEY = "ha.api-key-file";

    /** The server's side, checked whole before the agent listens: both files readable, and the key the certificate's. */
    public SSLContext serverContext() throws TlsSetupException {
        List<X509Certificate> chain = PemFiles.certificates(CERT_KEY, certFile);
        PrivateKey key = PemFiles.privateKey(KEY_KEY, keyFile);
        PemFiles.requireKeyOf(chain.get(0), CERT_KEY, certFile, key, KEY_KEY, keyFile);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] none = new char[0];
            store.setKeyEntry("api", key, none, chain.toArray(X509Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, none);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new TlsSetupException("cannot set up TLS from " + CERT_KEY + " " + certFile + " and " + KEY_KEY + " "
                    + keyFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * A client that trusts exactly this node's certificate, whatever name it is reached by: the
     * CLI on the node asking its own agent, which reads the same configuration. Pinning one
     * certificate is stricter than any name check.
     */
    public SSLContext pinnedClientContext() throws TlsSetupException {
        X509Certificate own = PemFiles.certificates(CERT_KEY, certFile).get(0);
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new PinnedTrust(own)}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new TlsSetupException("cannot set up a TLS client: " + e.getMessage(), e);
        }
    }
}
