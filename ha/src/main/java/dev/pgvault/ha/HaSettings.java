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
        long millis = Math.max(400, Math.min(2000, ttl.toMillis() / 10));
        return Duration.ofMillis(millis);
    }

    /**
     * A lease shorter than {@link #minimumTtl}'s standard rule, allowed with loop-wait 1 from
     * {@link #MINIMUM_SHORT_TTL}: the margins below are cut to what an immediate stop needs, so that
     * a node lost is replaced within about the ttl and a second.
     */
    public boolean shortLease() {
        return shortLease(ttl, loopWait);
    }

    private static boolean shortLease(Duration ttl, Duration loopWait) {
        return shortLeaseAllowed(loopWait) && ttl.compareTo(standardMinimumTtl(loopWait)) < 0;
    }

    /**
     * What to tell the operator when this short lease runs on an etcd of {@code etcdMembers}
     * members: losing the etcd leader stalls every request for an election and more (seconds),
     * which a standard lease rides out and a short one does not, so the primary would demote for
     * nothing. Empty on a standard lease or a single member.
     */
    public java.util.Optional<String> shortLeaseWarning(int etcdMembers) {
        if (!shortLease() || etcdMembers <= 1) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("warning: ttl " + ttl.toSeconds() + " s is a short lease and etcd has " + etcdMembers
                + " members: losing the etcd leader stalls requests for seconds, long enough to demote the primary"
                + " for nothing; with a multi-member etcd use ttl 10 or more (README: The short lease)");
    }

    /** A short lease only with loop-wait 1: a longer cycle leaves no room in a few seconds' lease. */
    private static boolean shortLeaseAllowed(Duration loopWait) {
        return loopWait.equals(Duration.ofSeconds(1));
    }

    private static Duration standardMinimumTtl(Duration loopWait) {
        return loopWait.multipliedBy(3).plusSeconds(5);
    }

    /**
     * The ttl, or the standard lease's minimum when it is shorter: how long the REST API's liveness
     * check gives a cycle, since a promotion's or a restart's cycle can outlast a short lease
     * without anything being wrong (the watchdog guards the lease meanwhile).
     */
    public Duration livenessWindow() {
        return shortLease() ? standardMinimumTtl(loopWait) : ttl;
    }

    /**
     * How long before its lease could end a writable PostgreSQL is stopped immediately by the
     * agent's watchdog thread: {@link #STOP_BUDGET} on a standard lease; one second on a short one,
     * where sending SIGQUIT to the postmaster (a pg_ctl run) takes tens of milliseconds and the
     * watchdog looks ten times a second.
     */
    public Duration stopMargin() {
        return shortLease() ? Duration.ofSeconds(1) : STOP_BUDGET;
    }

    /**
     * The fence process's margin: later than the watchdog's, which acts first while the agent's
     * JVM runs. On a short lease 0.75 s: the fence looks ten times a second, and etcd lets the lease
     * go only after its own count, which started when it received the renewal, after this agent
     * sent it, and which it checks twice a second.
     */
    public Duration fenceMargin() {
        return fenceMargin(ttl, loopWait);
    }

    /** {@link #fenceMargin()} from the two settings alone: the fence process reads no secret to know it. */
    public static Duration fenceMargin(Duration ttl, Duration loopWait) {
        return shortLease(ttl, loopWait) ? Duration.ofMillis(750) : Duration.ofSeconds(2);
    }

    /**
     * How long before its lease could expire a leader must start demoting. On a standard lease the
     * next decision can come a cycle and two requests later (a failed renewal, a failed read), and
     * then PostgreSQL needs the stop budget to shut down. On a short lease only one request counts
     * (a failed renewal skips the read), and the margin ends at {@link #stopMargin()}: the
     * demotion's fast shutdown ends every session at its first signal, and the watchdog stops
     * PostgreSQL immediately at that margin whatever the shutdown is doing. Either way a leader
     * survives one failed renewal (at ttl 4: renewed at t, failed at t + 1.4 s with 2.6 s left,
     * over the 2.4 s margin) and demotes on the second.
     */
    public Duration demoteMargin() {
        return shortLease() ? loopWait.plus(requestTimeout()).plus(stopMargin())
                : loopWait.plus(requestTimeout().multipliedBy(2)).plus(STOP_BUDGET);
    }

    /**
     * The smallest ttl for {@code loopWait}, checked when the configuration loads: 3 x loop-wait + 5
     * survives one failed renewal with a fast shutdown's budget to spare; with loop-wait 1 a
     * {@link #shortLease()} from {@link #MINIMUM_SHORT_TTL} does too, with an immediate stop's.
     */
    public static Duration minimumTtl(Duration loopWait) {
        return shortLeaseAllowed(loopWait) ? MINIMUM_SHORT_TTL : standardMinimumTtl(loopWait);
    }

    /** The shortest lease, with loop-wait 1 only. */
    public static final Duration MINIMUM_SHORT_TTL = Duration.ofSeconds(4);

    /** Time allowed for a fast shutdown before it becomes an immediate one. */
    public static final Duration STOP_BUDGET = Duration.ofSeconds(3);

    @Override
    public String toString() {
        return "HaSettings[cluster=" + cluster + ", name=" + name + ", etcd=" + etcd + ", ttl=" + ttl
                + ", loopWait=" + loopWait + ", api=" + apiHost + ":" + apiPort + "]"; // never the token
    }
}
