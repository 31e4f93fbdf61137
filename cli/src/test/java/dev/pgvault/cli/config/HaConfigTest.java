package dev.pgvault.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.ha.ReplicaMethod;
import dev.pgvault.ha.fence.FenceMode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ha: section and pg.parameters, as the README shows them, and each bad value named. */
class HaConfigTest {
    private static final String BASE = "stanza: s\npg:\n  port: 5433\nrepo:\n  path: /r\n";

    @TempDir
    Path dir;

    private PgvaultConfig load(String yaml) throws Exception {
        Path f = dir.resolve("pgvault.yaml");
        Files.writeString(f, yaml);
        return ConfigLoader.load(f);
    }

    private String errorOf(String haLines) throws IOException {
        Path f = dir.resolve("pgvault.yaml");
        Files.writeString(f, BASE + "ha:\n  cluster: demo\n  name: n1\n" + haLines);
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(f)).getMessage();
    }

    @Test
    void theReadmeExampleLoads() throws Exception {
        PgvaultConfig c = load("""
                stanza: main
                pg:
                  data: /var/lib/postgresql/15/main
                  parameters: {max_connections: 100, shared_buffers: 1GB}
                repo:
                  path: /srv/repo
                ha:
                  cluster: demo
                  name: node1
                  etcd: [http://10.0.0.1:2379, http://10.0.0.2:2379]
                  ttl: 10
                  loop-wait: 1
                  api: 0.0.0.0:8008
                  connect-address: 10.0.0.1:5432
                  maximum-lag-on-failover: 1048576
                  synchronous: true
                  replica-method: [basebackup]
                  bootstrap: repository
                  api-token-file: /etc/pgvault/api-token
                  watchdog: required
                """);
        assertEquals(Map.of("max_connections", "100", "shared_buffers", "1GB"), c.pg().parameters());
        HaConfig h = c.ha();
        assertEquals("demo", h.cluster());
        assertEquals("node1", h.name());
        assertEquals(List.of(URI.create("http://10.0.0.1:2379"), URI.create("http://10.0.0.2:2379")), h.etcd());
        assertEquals(Duration.ofSeconds(10), h.ttl());
        assertEquals(Duration.ofSeconds(1), h.loopWait());
        assertEquals("0.0.0.0", h.apiHost());
        assertEquals(8008, h.apiPort());
        assertEquals("10.0.0.1", h.connectHost());
        assertEquals(5432, h.connectPort());
        assertEquals(1048576, h.maximumLagOnFailover());
        assertTrue(h.synchronous());
        assertEquals(List.of(ReplicaMethod.BASEBACKUP), h.replicaMethods());
        assertEquals(dev.pgvault.ha.Bootstrap.REPOSITORY, h.bootstrap());
        assertEquals(Path.of("/etc/pgvault/api-token"), h.apiTokenFile());
        assertEquals(FenceMode.REQUIRED, h.watchdog());
    }

    @Test
    void tagsAreReadAndAnUnknownTagIsNamed() throws Exception {
        String ha = BASE + "ha:\n  cluster: demo\n  name: n1\n  etcd: [http://127.0.0.1:2379]\n";
        assertEquals(dev.pgvault.ha.cluster.Tags.NONE, load(ha).ha().tags());
        assertEquals(new dev.pgvault.ha.cluster.Tags(true, false), load(ha + "  tags: {nofailover: true}\n").ha().tags());
        assertEquals(new dev.pgvault.ha.cluster.Tags(false, true), load(ha + "  tags:\n    nosync: true\n").ha().tags());
        String e = errorOf("  etcd: [http://127.0.0.1:2379]\n  tags: {noloadbalance: true}\n");
        assertTrue(e.contains("ha.tags.noloadbalance") && e.contains("unknown key"), e);
        String b = errorOf("  etcd: [http://127.0.0.1:2379]\n  tags: {nofailover: yes-please}\n");
        assertTrue(b.contains("ha.tags.nofailover"), b);
    }

    @Test
    void theApiCertificateAndKeyComeTogetherOrNotAtAll() throws Exception {
        String ha = BASE + "ha:\n  cluster: demo\n  name: n1\n  etcd: [http://127.0.0.1:2379]\n";
        assertEquals(null, load(ha).ha().apiTls());
        assertTrue(load(ha).ha().useSlots(), "slots are on unless turned off");
        assertEquals(false, load(ha + "  use-slots: false\n").ha().useSlots());
        assertEquals(new dev.pgvault.ha.tls.ApiTls(java.nio.file.Path.of("/etc/pgvault/api.crt"),
                java.nio.file.Path.of("/etc/pgvault/api.key")),
                load(ha + "  api-cert-file: /etc/pgvault/api.crt\n  api-key-file: /etc/pgvault/api.key\n").ha().apiTls());
        String e = errorOf("  etcd: [http://127.0.0.1:2379]\n  api-cert-file: /etc/pgvault/api.crt\n");
        assertTrue(e.contains("ha.api-cert-file") && e.contains("set without 'api-key-file'"), e);
        String k = errorOf("  etcd: [http://127.0.0.1:2379]\n  api-key-file: /etc/pgvault/api.key\n");
        assertTrue(k.contains("ha.api-key-file") && k.contains("set without 'api-cert-file'"), k);
    }

    @Test
    void reseedingTrustingTimesIsAskedForAndOnlyWithDeltaReseeding() throws Exception {
        String ha = BASE + "ha:\n  cluster: demo\n  name: n1\n  etcd: [http://127.0.0.1:2379]\n";
        assertEquals(false, load(ha).ha().reseedTrustTimes());
        assertEquals(false, load(ha + "  reseed-delta: true\n").ha().reseedTrustTimes());
        assertEquals(true, load(ha + "  reseed-delta: true\n  reseed-trust-times: true\n").ha().reseedTrustTimes());
        String e = errorOf("  etcd: [http://127.0.0.1:2379]\n  reseed-trust-times: true\n");
        assertTrue(e.contains("ha.reseed-trust-times") && e.contains("set without 'reseed-delta: true'"), e);
    }

    @Test
    void anEtcdUserNeedsAPasswordFileWhoseContentIsReadOnlyWhenConnectingAndNeverShown() throws Exception {
        String ha = BASE + "ha:\n  cluster: demo\n  name: n1\n  etcd: [http://127.0.0.1:2379]\n";
        assertNull(dev.pgvault.cli.ha.HaSupport.settings(load(ha), false).etcdCredentials());
        String e = errorOf("  etcd: [http://127.0.0.1:2379]\n  etcd-user: agent\n");
        assertTrue(e.contains("ha.etcd-user") && e.contains("set without 'etcd-password-file'"), e);
        String f = errorOf("  etcd: [http://127.0.0.1:2379]\n  etcd-password-file: /etc/pgvault/etcd\n");
        assertTrue(f.contains("ha.etcd-password-file") && f.contains("set without 'etcd-user'"), f);

        Path password = dir.resolve("etcd-password");
        Files.writeString(password, "s3cret-etcd-pw\n");
        PgvaultConfig config = load(ha + "  etcd-user: agent\n  etcd-password-file: " + password + "\n");
        dev.pgvault.ha.HaSettings settings = dev.pgvault.cli.ha.HaSupport.settings(config, false);
        assertEquals(new dev.pgvault.ha.dcs.EtcdCredentials("agent", "s3cret-etcd-pw"), settings.etcdCredentials());
        assertFalse(settings.toString().contains("s3cret") || settings.etcdCredentials().toString().contains("s3cret"));
        Files.writeString(password, "\n");
        ConfigException empty = assertThrows(ConfigException.class, () -> dev.pgvault.cli.ha.HaSupport.settings(config, false));
        assertTrue(empty.getMessage().startsWith("the etcd password file is empty: 'ha.etcd-password-file' " + password),
                empty.getMessage());
    }

    @Test
    void etcdTlsFilesNeedHttpsEndpointsAndAreCheckedWhenConnecting() throws Exception {
        String https = BASE + "ha:\n  cluster: demo\n  name: n1\n  etcd: [https://127.0.0.1:2379]\n";
        assertNull(load(BASE + "ha:\n  cluster: demo\n  name: n1\n  etcd: [http://127.0.0.1:2379]\n").ha().etcdTls());
        assertEquals(new EtcdTlsFiles(null, null, null), load(https).ha().etcdTls()); // the JDK's authorities
        String plain = errorOf("  etcd: [http://127.0.0.1:2379]\n  etcd-ca-file: /etc/pgvault/ca.crt\n");
        assertTrue(plain.contains("ha.etcd-ca-file") && plain.contains("TLS to etcd needs https:// endpoints"), plain);
        String mixed = errorOf("  etcd: [https://10.0.0.1:2379, http://10.0.0.2:2379]\n");
        assertTrue(mixed.contains("ha.etcd") && mixed.contains("mixes http:// and https:// endpoints"), mixed);
        String cert = errorOf("  etcd: [https://127.0.0.1:2379]\n  etcd-cert-file: /etc/pgvault/c.crt\n");
        assertTrue(cert.contains("ha.etcd-cert-file") && cert.contains("set without 'etcd-key-file'"), cert);
        String key = errorOf("  etcd: [https://127.0.0.1:2379]\n  etcd-key-file: /etc/pgvault/c.key\n");
        assertTrue(key.contains("ha.etcd-key-file") && key.contains("set without 'etcd-cert-file'"), key);

        dev.pgvault.ha.tls.ApiTls ca = dev.pgvault.ha.tls.TestCertificates.authority(dir, "ca");
        dev.pgvault.ha.tls.ApiTls client = dev.pgvault.ha.tls.TestCertificates.signed(dir, "client", ca);
        PgvaultConfig good = load(https + "  etcd-ca-file: " + ca.certFile() + "\n  etcd-cert-file: " + client.certFile()
                + "\n  etcd-key-file: " + client.keyFile() + "\n");
        dev.pgvault.ha.tls.EtcdClientTls tls = dev.pgvault.cli.ha.HaSupport.settings(good, false).etcdTls();
        assertEquals("EtcdClientTls[trusting ha.etcd-ca-file " + ca.certFile() + ", client certificate CN=client]",
                tls.toString());

        // a key others may read, and another certificate's key: named before anything connects
        Files.setPosixFilePermissions(client.keyFile(), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        ConfigException open = assertThrows(ConfigException.class, () -> dev.pgvault.cli.ha.HaSupport.settings(good, false));
        assertEquals("ha.etcd-key-file " + client.keyFile() + " may be read by others than its owner: chmod 600 it (in "
                + good.source() + ")", open.getMessage());
        PgvaultConfig mismatched = load(https + "  etcd-cert-file: " + client.certFile() + "\n  etcd-key-file: "
                + ca.keyFile() + "\n");
        ConfigException other = assertThrows(ConfigException.class,
                () -> dev.pgvault.cli.ha.HaSupport.settings(mismatched, false));
        assertTrue(other.getMessage().startsWith("ha.etcd-key-file " + ca.keyFile() + " is not the key of the certificate"
                + " in ha.etcd-cert-file " + client.certFile()), other.getMessage());
        PgvaultConfig missing = load(https + "  etcd-ca-file: " + dir.resolve("nope.crt") + "\n");
        ConfigException absent = assertThrows(ConfigException.class, () -> dev.pgvault.cli.ha.HaSupport.settings(missing, false));
        assertTrue(absent.getMessage().startsWith("cannot read ha.etcd-ca-file " + dir.resolve("nope.crt")),
                absent.getMessage());
    }

    @Test
    void theWatchdogIsAutomaticUnlessSaidAndABareOffMeansOff() throws Exception {
        String ha = BASE + "ha:\n  cluster: demo\n  name: n1\n  etcd: [http://127.0.0.1:2379]\n";
        assertEquals(FenceMode.AUTOMATIC, load(ha).ha().watchdog());
        assertEquals(FenceMode.OFF, load(ha + "  watchdog: off\n").ha().watchdog()); // YAML reads it as false
        assertEquals(FenceMode.OFF, load(ha + "  watchdog: 'off'\n").ha().watchdog());
        String e = errorOf("  etcd: [http://127.0.0.1:2379]\n  watchdog: sometimes\n");
        assertTrue(e.contains("watchdog") && e.contains("'sometimes' is not one of off, automatic, required"), e);
    }

    @Test
    void aFourSecondLeaseLoadsWithLoopWaitOne() throws Exception {
        HaConfig h = load(BASE + "ha:\n  cluster: demo\n  name: n1\n  etcd: http://127.0.0.1:2379\n  ttl: 4\n").ha();
        assertEquals(Duration.ofSeconds(4), h.ttl());
        assertEquals(Duration.ofSeconds(1), h.loopWait());
    }

    @Test
    void defaults() throws Exception {
        PgvaultConfig c = load(BASE + "ha:\n  cluster: demo\n  name: n1\n  etcd: http://127.0.0.1:2379\n");
        HaConfig h = c.ha();
        assertEquals(Duration.ofSeconds(10), h.ttl());
        assertEquals("127.0.0.1", h.apiHost());
        assertEquals(8008, h.apiPort());
        assertEquals("127.0.0.1", h.connectHost(), "pg.host");
        assertEquals(5433, h.connectPort(), "pg.port");
        assertFalse(h.synchronous());
        assertEquals(List.of(ReplicaMethod.REPOSITORY, ReplicaMethod.BASEBACKUP), h.replicaMethods());
        assertNull(h.apiTokenFile());
        assertEquals(dev.pgvault.ha.Bootstrap.INITDB, h.bootstrap());
        assertNull(load(BASE).ha(), "no ha: section");
    }

    @Test
    void badValuesAreNamed() throws Exception {
        String etcd = "  etcd: [http://127.0.0.1:2379]\n";
        assertTrue(errorOf("").contains("'ha.etcd'"));
        assertTrue(errorOf("  etcd: [127.0.0.1:2379]\n").contains("expected http://host:port"));
        assertTrue(errorOf(etcd + "  ttl: 3\n").contains("'ha.ttl'"), "shorter than 4 s with loop-wait 1");
        assertTrue(errorOf(etcd + "  ttl: 3\n").contains("at least 4 s (4 with loop-wait 1)"), errorOf(etcd + "  ttl: 3\n"));
        assertTrue(errorOf(etcd + "  ttl: 10\n  loop-wait: 2\n").contains("at least 11 s (3 x loop-wait + 5)"),
                "a short lease only with loop-wait 1");
        assertTrue(errorOf(etcd + "  api: 8008\n").contains("'ha.api'"));
        assertTrue(errorOf(etcd + "  api: host:99999\n").contains("not a port number"));
        assertTrue(errorOf(etcd + "  replica-method: [rsync]\n").contains("'rsync' is not one of repository, basebackup"));
        assertTrue(errorOf(etcd + "  synchronous: yes please\n").contains("'ha.synchronous'"));
        assertTrue(errorOf(etcd + "  nmae: x\n").contains("unknown key: 'ha.nmae'"));
        assertTrue(errorOf(etcd.replace("etcd", "etcd") + "  api-token-file: token\n").contains("absolute path"));
        Path f = dir.resolve("pgvault.yaml");
        Files.writeString(f, BASE.replace("  port: 5433\n", "  port: 5433\n  parameters: [a, b]\n"));
        assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(f)).getMessage()
                .contains("'pg.parameters'"));
    }
}
