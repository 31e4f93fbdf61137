package dev.pgvault.cli.config;

import dev.pgvault.ha.Bootstrap;
import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.ReplicaMethod;
import dev.pgvault.ha.cluster.Tags;
import dev.pgvault.ha.tls.ApiTls;
import dev.pgvault.ha.fence.FenceMode;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads and checks the {@code ha:} section. */
final class HaConfigs {
    private HaConfigs() {}

    static HaConfig parse(YamlSection s, PgSettings pg) throws ConfigException {
        String cluster = s.requiredString("cluster");
        if (!ConfigLoader.validStanza(cluster)) {
            throw s.error("cluster", "'" + cluster + "' is not a valid name (letters, digits, '_', '.', '-')");
        }
        String name = s.requiredString("name");
        if (!ConfigLoader.validStanza(name)) {
            throw s.error("name", "'" + name + "' is not a valid member name (letters, digits, '_', '.', '-')");
        }
        List<URI> etcd = endpoints(s);
        Duration ttl = Duration.ofSeconds(s.integer("ttl", 10, 2, 3600));
        Duration loopWait = Duration.ofSeconds(s.integer("loop-wait", 1, 1, 600));
        if (ttl.compareTo(HaSettings.minimumTtl(loopWait)) < 0) {
            throw s.error("ttl", "too short for loop-wait " + loopWait.toSeconds() + ": at least "
                    + HaSettings.minimumTtl(loopWait).toSeconds() + " s (" + (loopWait.toSeconds() == 1
                            ? "4 with loop-wait 1" : "3 x loop-wait + 5") + "), so that a leader"
                    + " survives one failed renewal and still demotes before its lease expires");
        }
        String[] api = hostPort(s, "api", s.string("api", "127.0.0.1:8008"));
        String[] connect = hostPort(s, "connect-address", s.string("connect-address", pg.host() + ":" + pg.port()));
        long maxLag = s.integer("maximum-lag-on-failover", 1048576, 0, Integer.MAX_VALUE);
        boolean synchronous = s.bool("synchronous", false);
        List<ReplicaMethod> methods = methods(s);
        FenceMode watchdog = watchdog(s);
        Tags tags = tags(s);
        ApiTls apiTls = apiTls(s);
        boolean useSlots = s.bool("use-slots", true);
        boolean reseedDelta = s.bool("reseed-delta", false);
        boolean reseedTrustTimes = s.bool("reseed-trust-times", false);
        if (reseedTrustTimes && !reseedDelta) {
            throw s.error("reseed-trust-times", "set without 'reseed-delta: true': it is how a delta reseed judges files");
        }
        String etcdUser = s.string("etcd-user", null);
        java.nio.file.Path etcdPasswordFile = s.path("etcd-password-file", null);
        if (etcdUser != null && etcdPasswordFile == null) {
            throw s.error("etcd-user", "set without 'etcd-password-file' (the password is read from a file, never"
                    + " written in the configuration)");
        }
        if (etcdUser == null && etcdPasswordFile != null) {
            throw s.error("etcd-password-file", "set without 'etcd-user'");
        }
        HaConfig ha = new HaConfig(cluster, name, etcd, ttl, loopWait, api[0], port(s, "api", api[1]), connect[0],
                port(s, "connect-address", connect[1]), maxLag, synchronous, methods,
                s.choice("bootstrap", Bootstrap.INITDB, Bootstrap.class), s.path("api-token-file", null), watchdog, tags,
                apiTls, useSlots, etcdUser, etcdPasswordFile, reseedDelta, etcdTls(s, etcd), s.bool("wal-receive", false),
                reseedTrustTimes);
        s.finish();
        return ha;
    }

    /** {@code api-cert-file} and {@code api-key-file}: both, or neither (plain HTTP). */
    private static ApiTls apiTls(YamlSection s) throws ConfigException {
        java.nio.file.Path cert = s.path("api-cert-file", null);
        java.nio.file.Path key = s.path("api-key-file", null);
        if (cert == null && key != null) {
            throw s.error("api-key-file", "set without 'api-cert-file': the REST API needs both for TLS");
        }
        if (cert != null && key == null) {
            throw s.error("api-cert-file", "set without 'api-key-file': the REST API needs both for TLS");
        }
        return cert == null ? null : new ApiTls(cert, key);
    }

    /**
     * {@code etcd-ca-file}, {@code etcd-cert-file} and {@code etcd-key-file}: only with https://
     * endpoints (a certificate sent in clear would protect nothing), the certificate and key together.
     */
    private static EtcdTlsFiles etcdTls(YamlSection s, List<URI> etcd) throws ConfigException {
        java.nio.file.Path ca = s.path("etcd-ca-file", null);
        java.nio.file.Path cert = s.path("etcd-cert-file", null);
        java.nio.file.Path key = s.path("etcd-key-file", null);
        boolean https = "https".equals(etcd.get(0).getScheme());
        if (!https) {
            for (String k : List.of("etcd-ca-file", "etcd-cert-file", "etcd-key-file")) {
                if (s.path(k, null) != null) {
                    throw s.error(k, "set, but the etcd endpoints are http://: TLS to etcd needs https:// endpoints");
                }
            }
            return null;
        }
        if (cert == null && key != null) {
            throw s.error("etcd-key-file", "set without 'etcd-cert-file': a client certificate needs both");
        }
        if (cert != null && key == null) {
            throw s.error("etcd-cert-file", "set without 'etcd-key-file': a client certificate needs both");
        }
        return new EtcdTlsFiles(ca, cert, key);
    }

    /** {@code tags: {nofailover: true, nosync: true}}; any other tag is refused, naming it. */
    private static Tags tags(YamlSection s) throws ConfigException {
        YamlSection t = s.section("tags");
        Tags tags = new Tags(t.bool("nofailover", false), t.bool("nosync", false));
        t.finish();
        return tags;
    }

    /** YAML reads a bare {@code off} as false: both mean off. */
    private static FenceMode watchdog(YamlSection s) throws ConfigException {
        String w = s.string("watchdog", "automatic");
        return switch (w.toLowerCase(Locale.ROOT)) {
            case "off", "false" -> FenceMode.OFF;
            case "automatic" -> FenceMode.AUTOMATIC;
            case "required" -> FenceMode.REQUIRED;
            default -> throw s.error("watchdog", "'" + w + "' is not one of off, automatic, required");
        };
    }

    private static List<URI> endpoints(YamlSection s) throws ConfigException {
        List<String> raw = s.strings("etcd");
        if (raw == null || raw.isEmpty()) {
            throw s.error("etcd", "missing required key (a list of endpoints such as http://127.0.0.1:2379)");
        }
        List<URI> out = new ArrayList<>();
        for (String e : raw) {
            URI u;
            try {
                u = new URI(e);
            } catch (URISyntaxException x) {
                u = null;
            }
            if (u == null || u.getHost() == null || u.getPort() < 0
                    || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
                throw s.error("etcd", "expected http://host:port or https://host:port ('" + e + "')");
            }
            out.add(u);
        }
        if (out.stream().map(URI::getScheme).distinct().count() > 1) {
            throw s.error("etcd", "mixes http:// and https:// endpoints: every member of one etcd speaks the same");
        }
        return out;
    }

    private static String[] hostPort(YamlSection s, String key, String value) throws ConfigException {
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw s.error(key, "expected host:port ('" + value + "')");
        }
        return new String[] {value.substring(0, colon), value.substring(colon + 1)};
    }

    private static int port(YamlSection s, String key, String text) throws ConfigException {
        try {
            int p = Integer.parseInt(text);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // named below
        }
        throw s.error(key, "not a port number ('" + text + "')");
    }

    private static List<ReplicaMethod> methods(YamlSection s) throws ConfigException {
        List<String> raw = s.strings("replica-method");
        if (raw == null) {
            return List.of(ReplicaMethod.REPOSITORY, ReplicaMethod.BASEBACKUP);
        }
        List<ReplicaMethod> out = new ArrayList<>();
        for (String m : raw) {
            try {
                out.add(ReplicaMethod.valueOf(m.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw s.error("replica-method", "'" + m + "' is not one of repository, basebackup");
            }
        }
        if (out.isEmpty()) {
            throw s.error("replica-method", "empty list");
        }
        return out;
    }
}
