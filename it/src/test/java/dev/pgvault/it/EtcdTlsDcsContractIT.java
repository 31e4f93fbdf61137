package dev.pgvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.ha.dcs.DcsException;
import dev.pgvault.ha.dcs.EtcdDcs;
import dev.pgvault.ha.tls.EtcdClientTls;
import dev.pgvault.ha.tls.TlsSetupException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The whole {@link dev.pgvault.ha.dcs.DcsContract} again, on an etcd that speaks TLS to its
 * clients and asks each for a certificate signed by its authority ({@code --client-cert-auth}),
 * through {@code ha.etcd-ca-file}, {@code ha.etcd-cert-file} and {@code ha.etcd-key-file}: leases,
 * transactions and watches work over it. A client without a certificate, or one that does not
 * trust etcd's authority, is refused with one line that says TLS and names the settings.
 */
class EtcdTlsDcsContractIT extends EtcdDcsContractIT {
    @Override
    protected EtcdCluster startCluster() throws Exception {
        return EtcdCluster.startWithTls(1);
    }

    @Override
    protected EtcdClientTls tls() {
        EtcdCluster.Tls files = etcd.tls();
        try {
            return EtcdClientTls.load(files.ca().certFile(), files.client().certFile(), files.client().keyFile());
        } catch (TlsSetupException e) {
            throw new AssertionError(e);
        }
    }

    private DcsException readWith(EtcdClientTls tls) {
        try (EtcdDcs dcs = new EtcdDcs(List.of(URI.create(etcd.clientUrl(0))), "tls", Duration.ofSeconds(2),
                Duration.ofSeconds(2), Clock.systemUTC(), null, tls)) {
            return assertThrows(DcsException.class, dcs::read);
        }
    }

    @Test
    void theEndpointsAreHttps() {
        assertTrue(etcd.clientUrl(0).startsWith("https://127.0.0.1:"), etcd.clientUrl(0));
    }

    @Test
    void aClientWithoutACertificateIsRefused() throws Exception {
        DcsException e = readWith(EtcdClientTls.load(etcd.tls().ca().certFile(), null, null));
        assertOneLineNamingTheSettings(e, "etcd refused this client's certificate, or its lack of one");
    }

    @Test
    void aClientThatDoesNotTrustEtcdsAuthorityIsRefused() throws Exception {
        DcsException e = readWith(EtcdClientTls.load(null, etcd.tls().client().certFile(), etcd.tls().client().keyFile()));
        assertOneLineNamingTheSettings(e, "etcd's certificate is not signed by an authority this client trusts");
    }

    @Test
    void aPlainClientGetsNoAnswer() {
        try (EtcdDcs dcs = new EtcdDcs(List.of(URI.create(etcd.clientUrl(0).replace("https:", "http:"))), "tls",
                Duration.ofSeconds(2), Duration.ofSeconds(1), Clock.systemUTC(), null, null)) {
            assertThrows(DcsException.class, dcs::read);
        }
    }

    private static void assertOneLineNamingTheSettings(DcsException e, String reason) {
        String m = e.getMessage();
        assertEquals(-1, m.indexOf('\n'), m);
        assertTrue(m.contains("did not answer within 2000 ms: TLS handshake failed: " + reason) && m.endsWith(
                " (check ha.etcd-ca-file, ha.etcd-cert-file and ha.etcd-key-file)"), m);
    }
}
