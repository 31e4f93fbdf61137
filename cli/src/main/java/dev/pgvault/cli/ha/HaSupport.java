package dev.pgvault.cli.ha;

import dev.pgvault.cli.config.ConfigException;
import dev.pgvault.cli.config.EtcdTlsFiles;
import dev.pgvault.cli.config.HaConfig;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.cli.config.ReceiverName;
import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.dcs.DcsException;
import dev.pgvault.ha.dcs.EtcdCredentials;
import dev.pgvault.ha.dcs.EtcdDcs;
import dev.pgvault.ha.tls.EtcdClientTls;
import dev.pgvault.ha.tls.TlsSetupException;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;

/** From the configuration to the HA settings and an etcd connection. */
public final class HaSupport {
    private HaSupport() {}

    public static HaConfig require(PgvaultConfig config) throws ConfigException {
        if (config.ha() == null) {
            throw new ConfigException("no 'ha:' section in " + config.source() + " (see the README's HA section)");
        }
        return config.ha();
    }

    /** The settings; the API token is read from its file only when {@code withToken}. */
    public static HaSettings settings(PgvaultConfig config, boolean withToken) throws ConfigException {
        HaConfig h = require(config);
        String token = withToken && h.apiTokenFile() != null
                ? secret(h.apiTokenFile(), "API token", "ha.api-token-file", config) : null;
        EtcdCredentials etcd = null;
        if (h.etcdUser() != null) {
            etcd = new EtcdCredentials(h.etcdUser(), secret(h.etcdPasswordFile(), "etcd password", "ha.etcd-password-file",
                    config));
        }
        return new HaSettings(h.cluster(), h.name(), h.etcd(), h.ttl(), h.loopWait(), h.apiHost(), h.apiPort(),
                h.connectHost(), h.connectPort(), h.maximumLagOnFailover(), h.synchronous(), h.replicaMethods(), h.bootstrap(), token,
                h.tags(), h.apiTls(), h.useSlots(), etcd, h.reseedDelta(), etcdTls(h.etcdTls(), config),
                ReceiverName.waitedForByAgent(config));
    }

    /** The TLS client for https:// endpoints, every file read and checked now: a bad one is named before connecting. */
    private static EtcdClientTls etcdTls(EtcdTlsFiles files, PgvaultConfig config) throws ConfigException {
        if (files == null) {
            return null;
        }
        try {
            return EtcdClientTls.load(files.caFile(), files.certFile(), files.keyFile());
        } catch (TlsSetupException e) {
            throw new ConfigException(e.getMessage() + " (in " + config.source() + ")");
        }
    }

    /** A secret's file, stripped; its content never appears in an error. */
    private static String secret(java.nio.file.Path file, String what, String key, PgvaultConfig config)
            throws ConfigException {
        String value;
        try {
            value = Files.readString(file).strip();
        } catch (IOException e) {
            throw new ConfigException("cannot read the " + what + ": '" + key + "' " + file + " in " + config.source());
        }
        if (value.isEmpty()) {
            throw new ConfigException("the " + what + " file is empty: '" + key + "' " + file + " in " + config.source());
        }
        return value;
    }

    public static EtcdDcs connect(HaSettings settings, Duration timeout) {
        return new EtcdDcs(settings.etcd(), settings.cluster(), settings.ttl(), timeout, Clock.systemUTC(),
                settings.etcdCredentials(), settings.etcdTls());
    }

    /** One read of the cluster's keys, as the commands that only show something make. */
    public interface EtcdRead<T> {
        T from(EtcdDcs dcs) throws DcsException;
    }

    /** Connects, makes {@code read} within the request timeout, and closes. */
    public static <T> T read(HaSettings settings, EtcdRead<T> read) throws DcsException {
        try (EtcdDcs dcs = connect(settings, HaWait.REQUEST_TIMEOUT)) {
            return read.from(dcs);
        }
    }
}
