package dev.pgvault.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.ha.dcs.DcsException;
import dev.pgvault.ha.dcs.EtcdCredentials;
import dev.pgvault.ha.dcs.EtcdDcs;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole {@link dev.pgvault.ha.dcs.DcsContract} again, on an etcd with authentication on and a
 * user that may read and write /pgvault/ only ({@code ha.etcd-user}, {@code ha.etcd-password-file}):
 * leases, transactions and watches work as that user. A wrong password or none is refused, and
 * the error never holds the password.
 */
class EtcdAuthDcsContractIT extends EtcdDcsContractIT {
    private static final String USER = "pgvault-agent";
    private static final String PASSWORD = "Ag3nt-pa55-" + System.nanoTime();

    @BeforeAll
    void authenticationOn() throws Exception {
        etcd.enableAuth(USER, PASSWORD);
    }

    @Override
    protected EtcdCredentials credentials() {
        return new EtcdCredentials(USER, PASSWORD);
    }

    private DcsException readAs(EtcdCredentials who) {
        try (EtcdDcs dcs = new EtcdDcs(List.of(URI.create(etcd.clientUrl(0))), "auth", Duration.ofSeconds(2),
                Duration.ofSeconds(2), Clock.systemUTC(), who)) {
            return assertThrows(DcsException.class, dcs::read);
        }
    }

    @Test
    void aWrongPasswordIsRefusedWithoutSayingIt() {
        String wrong = "Wr0ng-" + PASSWORD;
        DcsException e = readAs(new EtcdCredentials(USER, wrong));
        assertTrue(e.getMessage().endsWith("failed: authentication failed as etcd user '" + USER
                + "' (check ha.etcd-user and ha.etcd-password-file)"), e.getMessage());
        assertFalse(e.getMessage().contains(wrong) || e.getMessage().contains(PASSWORD), e.getMessage());
        assertFalse(new EtcdCredentials(USER, wrong).toString().contains(wrong));
    }

    @Test
    void noCredentialsAreRefused() {
        DcsException e = readAs(null);
        assertTrue(e.getMessage().endsWith("failed: etcd has authentication on: set ha.etcd-user and"
                + " ha.etcd-password-file"), e.getMessage());
    }
}
