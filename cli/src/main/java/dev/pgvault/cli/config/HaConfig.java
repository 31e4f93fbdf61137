package dev.pgvault.cli.config;

import dev.pgvault.ha.ReplicaMethod;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The {@code ha:} section as written: {@code apiTokenFile} is read only by the commands that need
 * the token, so that a typo in it does not break {@code archive-push}. {@code watchdog}: the fence
 * process beside the agent (off, automatic, required). {@code apiTls}: the REST API's certificate
 * and key files, null for plain HTTP; read when the agent starts. {@code useSlots}: per-member
 * physical replication slots (default on). {@code etcdUser} and {@code etcdPasswordFile}: both or
 * neither; the password is read from its file by the commands that connect. {@code reseedDelta}:
 * reseed a node's directory in place by a delta restore (default off: it is moved aside);
 * {@code reseedTrustTimes}: that delta judges the files the node's last restore left untouched by
 * their size and times ({@code restore --delta --trust-times}).
 * {@code etcdTls}: TLS files for https:// endpoints, null for http:// ones. {@code walReceive}: the
 * agent runs {@code wal-receive} against its own PostgreSQL, which streams while that is the primary.
 */
public record HaConfig(String cluster, String name, List<URI> etcd, Duration ttl, Duration loopWait,
        String apiHost, int apiPort, String connectHost, int connectPort, long maximumLagOnFailover,
        boolean synchronous, List<ReplicaMethod> replicaMethods, dev.pgvault.ha.Bootstrap bootstrap,
        Path apiTokenFile, dev.pgvault.ha.fence.FenceMode watchdog, dev.pgvault.ha.cluster.Tags tags,
        dev.pgvault.ha.tls.ApiTls apiTls, boolean useSlots, String etcdUser, Path etcdPasswordFile, boolean reseedDelta,
        EtcdTlsFiles etcdTls, boolean walReceive, boolean reseedTrustTimes) {}
