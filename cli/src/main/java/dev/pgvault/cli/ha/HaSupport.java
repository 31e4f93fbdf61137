package dev.pgvault.cli.ha;

import dev.pgvault.cli.config.ConfigException;
import dev.pgvault.cli.config.HaConfig;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.dcs.DcsException;
import dev.pgvault.ha.dcs.EtcdDcs;
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
        String token = null;
        if (withToken && h.apiTokenFile() != null) {
            try {
                token = Files.readString(h.apiTokenFile()).strip();
            } catch (IOException e) {
                throw new ConfigException("cannot read the API token: 'ha.api-token-file' " + h.apiTokenFile()
                        + " in " + config.source());
            }
            if (token.isEmpty()) {
                throw new ConfigException("the API token file is empty: 'ha.api-token-file' " + h.apiTokenFile()
                        + " in " + config.source());
            }
        }
        return new HaSettings(h.cluster(), h.name(), h.etcd(), h.ttl(), h.loopWait(), h.apiHost(), h.apiPort(),
                h.connectHost(), h.connectPort(), h.maximumLagOnFailover(), h.synchronous(), h.replicaMethods(), h.bootstrap(), token,
                h.tags(), h.apiTls(), h.useSlots());
    }

    public static EtcdDcs connect(HaSettings settings, Duration timeout) {
        return new EtcdDcs(settings.etcd(), settings.cluster(), settings.ttl(), timeout, Clock.systemUTC());
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
