package dev.pgvault.ha;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The {@code ha:} section of the configuration, validated.
 *
 * @param cluster namespace in etcd: keys live under /pgvault/&lt;cluster&gt;/
 * @param name this node's unique member name
 * @param etcd etcd endpoints (with scheme)
 * @param ttl the leader lease
 * @param loopWait the pause between cycles
 * @param apiHost the REST API's listen address
 * @param apiPort the REST API's port
 * @param connectHost how other nodes reach this node's PostgreSQL
 * @param connectPort the port they use
 * @param maximumLagOnFailover bytes a replica may be behind the last known primary position and still promote
 * @param synchronous one synchronous standby; only it may be promoted
 * @param replicaMethods how an empty node gets its data, in order of preference
 * @param bootstrap how the first node gets its data
 * @param apiToken the secret mutating REST calls must present; null disables them
 * @param tags this node's tags (nofailover, nosync)
 * @param apiTls the REST API's certificate and key; null: plain HTTP
 * @param useSlots the leader keeps a physical replication slot for every other member, and each
 *     replica streams through its own (see {@link dev.pgvault.ha.pg.SlotNames})
 * @param etcdCredentials the etcd user the agent and the commands authenticate as; null: none
 * @param reseedDelta a node whose data directory must be seeded again (pg_rewind failed, or an
 *     operator's reinit) is brought to the repository's newest backup in place, by a delta restore
 *     that rewrites only what differs, instead of being moved aside (or emptied) and copied whole
 * @param etcdTls TLS to etcd for https:// endpoints (the trusted authorities, and a client
 *     certificate where etcd asks for one); null for http:// ones
 * @param syncReceiver the {@code application_name} of this node's synchronous {@code wal-receive}
 *     (with {@code synchronous}): as the primary, commits also wait for it while it streams, so
 *     that every acknowledged commit is in the repository; null: commits never wait for a receiver
 */
public record HaSettings(String cluster, String name, List<URI> etcd, Duration ttl, Duration loopWait,
        String apiHost, int apiPort, String connectHost, int connectPort, long maximumLagOnFailover,
        boolean synchronous, List<ReplicaMethod> replicaMethods, Bootstrap bootstrap, String apiToken,
        dev.pgvault.ha.cluster.Tags tags, dev.pgvault.ha.tls.ApiTls apiTls, boolean useSlots,
        dev.pgvault.ha.dcs.EtcdCredentials etcdCredentials, boolean reseedDelta,
        dev.pgvault.ha.tls.EtcdClientTls etcdTls, String syncReceiver) {

    public HaSettings {
        etcd = List.copyOf(etcd);
        replicaMethods = List.copyOf(replicaMethods);
    }

    /** Settings of a node without tags. */
    public HaSettings(String cluster, String name, List<URI> etcd, Duration ttl, Duration loopWait,
            String apiHost, int apiPort, String connectHost, int connectPort, long maximumLagOnFailover,
            boolean synchronous, List<ReplicaMethod> replicaMethods, Bootstrap bootstrap, String apiToken) {
        this(cluster, name, etcd, ttl, loopWait, apiHost, apiPort, connectHost, connectPort, maximumLagOnFailover,
                synchronous, replicaMethods, bootstrap, apiToken, dev.pgvault.ha.cluster.Tags.NONE);
    }

    /** Settings of a node whose REST API speaks plain HTTP. */
    public HaSettings(String cluster, String name, List<URI> etcd, Duration ttl, Duration loopWait,
            String apiHost, int apiPort, String connectHost, int connectPort, long maximumLagOnFailover,
            boolean synchronous, List<ReplicaMethod> replicaMethods, Bootstrap bootstrap, String apiToken,
            dev.pgvault.ha.cluster.Tags tags) {
        this(cluster, name, etcd, ttl, loopWait, apiHost, apiPort, connectHost, connectPort, maximumLagOnFailover,
                synchronous, replicaMethods, bootstrap, apiToken, tags, null, true, null, false, null, null);
    }

    /** The same settings with delta reseeding on or off ({@code ha.reseed-delta}). */
    public HaSettings withReseedDelta(boolean on) {
        return new HaSettings(cluster, name, etcd, ttl, loopWait, apiHost, apiPort, connectHost, connectPort,
                maximumLagOnFailover, synchronous, replicaMethods, bootstrap, apiToken, tags, apiTls, useSlots, etcdCredentials, on,
                etcdTls, syncReceiver);
    }

    /** The same settings, waiting for the synchronous receiver {@code applicationName} (null: none). */
    public HaSettings withSyncReceiver(String applicationName) {
        return new HaSettings(cluster, name, etcd, ttl, loopWait, apiHost, apiPort, connectHost, connectPort,
                maximumLagOnFailover, synchronous, replicaMethods, bootstrap, apiToken, tags, apiTls, useSlots, etcdCredentials,
                reseedDelta, etcdTls, applicationName);
    }

    /** The REST API's scheme: https when it has a certificate. */
    public String apiScheme() {
        return apiTls == null ? "http" : "https";
    }

    /** How long one etcd request may take before the cycle treats etcd as unreachable. */
    public Duration requestTimeout() {
        long millis = Math.max(500, Math.min(2000, ttl.toMillis() / 10));
        return Duration.ofMillis(millis);
    }

    /**
     * How long before its lease could expire a leader must start demoting: the next decision can come
     * a cycle and two requests later (a failed renewal, a failed read), and then PostgreSQL needs the
     * stop budget to shut down.
     */
    public Duration demoteMargin() {
        return loopWait.plus(requestTimeout().multipliedBy(2)).plus(STOP_BUDGET);
    }

    /** The smallest ttl that survives one failed renewal before demoting: checked when the configuration loads. */
    public static Duration minimumTtl(Duration loopWait) {
        return loopWait.multipliedBy(3).plusSeconds(5);
    }

    /** Time allowed for a fast shutdown before it becomes an immediate one. */
    public static final Duration STOP_BUDGET = Duration.ofSeconds(3);

    @Override
    public String toString() {
        return "HaSettings[cluster=" + cluster + ", name=" + name + ", etcd=" + etcd + ", ttl=" + ttl
                + ", loopWait=" + loopWait + ", api=" + apiHost + ":" + apiPort + "]"; // never the token
    }
}
