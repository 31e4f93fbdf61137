package dev.pgvault.ha.dcs;

import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.Failover;
import dev.pgvault.ha.cluster.Leader;
import dev.pgvault.ha.cluster.LeaderPosition;
import dev.pgvault.ha.cluster.Member;
import dev.pgvault.ha.cluster.Switchover;
import dev.pgvault.ha.cluster.TimelineSwitch;
import dev.pgvault.ha.tls.EtcdClientTls;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link Dcs} on etcd v3 through jetcd. Keys live under {@code /pgvault/<cluster>/}: {@code initialize},
 * {@code leader} and {@code members/<name>} (both bound to the agent's lease), {@code position},
 * {@code sync}, {@code switchover}, {@code failover}, {@code reinit/<name>}, {@code restart/<name>}, {@code pause} and
 * {@code history/<timeline>}.
 *
 * <p>jetcd does not retry a request that fails while etcd changes leader (FACTS.md), and a request to
 * a stopped etcd can wait on reconnects: every call here is bounded by the request timeout and the
 * agent's next cycle is the retry.
 */
public final class EtcdDcs implements Dcs {
    private final Client client;
    private final KV kv;
    private final Lease leases;
    private final String prefix;
    private final Duration ttl;
    private final Duration timeout;
    private final String endpoints;
    private final Clock clock;
    private volatile long leaseId;
    /** The etcd user logged in as, for errors; null without authentication. */
    private final String user;
    private final List<Watch.Watcher> watchers = new ArrayList<>();
    private static final String TLS_SETTINGS = " (check ha.etcd-ca-file, ha.etcd-cert-file and ha.etcd-key-file)";
    private final EtcdClientTls tls;
    private final ReconnectNow reconnect;
    /** The last request failed or is under way: the next one first cuts gRPC's reconnect backoff short. */
    private volatile boolean failing;
    private final URI firstEndpoint;
    private final java.util.concurrent.atomic.AtomicReference<CompletableFuture<String>> probe =
            new java.util.concurrent.atomic.AtomicReference<>();

    public EtcdDcs(List<URI> endpoints, String cluster, Duration ttl, Duration timeout, Clock clock) {
        this(endpoints, cluster, ttl, timeout, clock, null);
    }

    /** @param credentials the etcd user to authenticate as; null for an etcd without authentication */
    public EtcdDcs(List<URI> endpoints, String cluster, Duration ttl, Duration timeout, Clock clock,
            EtcdCredentials credentials) {
        this(endpoints, cluster, ttl, timeout, clock, credentials, null);
    }

    /**
     * @param credentials the etcd user to authenticate as; null for an etcd without authentication
     * @param tls the TLS client for {@code https://} endpoints; null for {@code http://} ones
     */
    public EtcdDcs(List<URI> endpoints, String cluster, Duration ttl, Duration timeout, Clock clock,
            EtcdCredentials credentials, EtcdClientTls tls) {
        // jetcd refuses a retry budget shorter than its first retry's delay (500 ms by default): a
        // short lease's 400 ms requests retry after a quarter of their budget instead
        long retryDelayMillis = timeout.toMillis() > 500 ? 500 : Math.max(1, timeout.toMillis() / 4);
        var builder = Client.builder().endpoints(endpoints).connectTimeout(timeout).retryMaxDuration(timeout)
                .retryDelay(retryDelayMillis);
        if (tls != null) {
            builder.sslContext(tls.context());
        }
        if (credentials != null) {
            builder.user(bytes(credentials.user())).password(bytes(credentials.password()));
        }
        this.client = builder.build();
        this.reconnect = ReconnectNow.of(client);
        this.tls = tls;
        this.firstEndpoint = endpoints.get(0);
        this.user = credentials == null ? null : credentials.user();
        this.kv = client.getKVClient();
        this.leases = client.getLeaseClient();
        this.prefix = "/pgvault/" + cluster + "/";
        this.ttl = ttl;
        this.timeout = timeout;
        this.endpoints = endpoints.toString();
        this.clock = clock;
    }

    private ByteSequence key(String name) {
        return bytes(prefix + name);
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private <T> T call(CompletableFuture<T> request, String what) throws DcsException {
        if (failing) {
            reconnect.now(); // the request, sent, waits for a connection: have it attempted now
        }
        T answer = await(request, what);
        failing = false;
        return answer;
    }

    private <T> T await(CompletableFuture<T> request, String what) throws DcsException {
        CompletableFuture<String> probe = null;
        failing = true; // until it answers
        try {
            if (tls == null) {
                return request.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            long half = timeout.toMillis() / 2;
            try {
                return request.get(half, TimeUnit.MILLISECONDS);
            } catch (TimeoutException slow) {
                // gRPC retries a failing handshake without telling the request: find out why, meanwhile
                probe = tlsProbe(Duration.ofMillis(Math.max(1, half - 50)));
                return request.get(timeout.toMillis() - half, TimeUnit.MILLISECONDS);
            }
        } catch (TimeoutException e) {
            request.cancel(true);
            String handshake = probe == null ? null : probe.getNow(null);
            throw new DcsException("etcd " + endpoints + ": " + what + " did not answer within " + timeout.toMillis() + " ms"
                    + (handshake == null ? "" : ": TLS handshake failed: " + handshake + TLS_SETTINGS));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new DcsException("etcd " + endpoints + ": " + what + " failed: " + explain(firstLine(cause)), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DcsException("interrupted during etcd " + what);
        }
    }

    /**
     * One handshake with the first endpoint on a thread of its own, at most one at a time: a
     * failing etcd must not cost the agent's cycle more than the request's own timeout.
     */
    private CompletableFuture<String> tlsProbe(Duration limit) {
        CompletableFuture<String> running = probe.get();
        if (running != null && !running.isDone()) {
            return running;
        }
        CompletableFuture<String> next = new CompletableFuture<>();
        probe.set(next);
        Thread t = new Thread(() -> next.complete(tls.handshakeFailure(firstEndpoint, limit)), "etcd-tls-probe");
        t.setDaemon(true);
        t.start();
        return next;
    }

    /** gRPC's bare status for a refused login says nothing an operator can act on. */
    private String explain(String why) {
        if (why.startsWith("UNAUTHENTICATED") || why.contains("authentication failed")) {
            return user == null ? "etcd asks for a login: set ha.etcd-user and ha.etcd-password-file"
                    : "authentication failed as etcd user '" + user + "' (check ha.etcd-user and ha.etcd-password-file)";
        }
        if (why.contains("user name is empty")) {
            return "etcd has authentication on: set ha.etcd-user and ha.etcd-password-file";
        }
        return why;
    }

    private static String firstLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    @Override
    public ClusterState read() throws DcsException {
        GetResponse all = call(kv.get(bytes(prefix), GetOption.builder().isPrefix(true).build()), "read of " + prefix);
        String initializedBy = null;
        Leader leader = null;
        Map<String, Member> members = new HashMap<>();
        LeaderPosition position = null;
        Set<String> sync = Set.of();
        String syncLeader = null;
        java.time.Instant pausedSince = null;
        Switchover switchover = null;
        Failover failover = null;
        Set<String> reinit = new HashSet<>();
        Set<String> restart = new HashSet<>();
        for (KeyValue kvp : all.getKvs()) {
            String name = kvp.getKey().toString(StandardCharsets.UTF_8).substring(prefix.length());
            String value = kvp.getValue().toString(StandardCharsets.UTF_8);
            try {
                if (name.equals("initialize")) {
                    initializedBy = value;
                } else if (name.equals("leader")) {
                    leader = new Leader(value, kvp.getLease());
                } else if (name.startsWith("members/")) {
                    Member m = KeyValues.member(value);
                    members.put(m.name(), m);
                } else if (name.equals("position")) {
                    position = KeyValues.position(value);
                } else if (name.equals("pause")) {
                    pausedSince = java.time.Instant.parse(value);
                } else if (name.equals("sync")) {
                    sync = KeyValues.sync(value);
                    syncLeader = KeyValues.syncLeader(value);
                } else if (name.equals("switchover")) {
                    switchover = KeyValues.switchover(value);
                } else if (name.equals("failover")) {
                    failover = KeyValues.failover(value);
                } else if (name.startsWith("history/")) {
                    continue; // read only by history(): the agent's cycle has no use for it
                } else if (name.startsWith("restart/")) {
                    restart.add(name.substring("restart/".length()));
                } else if (name.startsWith("reinit/")) {
                    reinit.add(name.substring("reinit/".length()));
                }
            } catch (IOException | RuntimeException bad) {
                // a value this version cannot read counts as absent; the writer rewrites its keys every cycle
                continue;
            }
        }
        return new ClusterState(initializedBy, leader, members, position, sync, switchover, failover, reinit,
                syncLeader, pausedSince, restart);
    }

    /** How many members the etcd cluster lists (the unreachable ones too). */
    public int etcdMembers() throws DcsException {
        return call(client.getClusterClient().listMember(), "member list").getMembers().size();
    }

    @Override
    public Duration keepAlive() throws DcsException {
        long id = leaseId;
        if (id != 0) {
            long seconds = renew(id);
            if (seconds > 0) {
                return validity(seconds);
            }
        }
        leaseId = call(leases.grant(ttl.toSeconds()), "lease grant").getID();
        return ttl;
    }

    /** The lease's ttl as etcd states it, capped by ours: an adopted lease may have been granted shorter. */
    private Duration validity(long seconds) {
        Duration stated = Duration.ofSeconds(seconds);
        return stated.compareTo(ttl) < 0 ? stated : ttl;
    }

    /** The ttl the renewal restored, 0 when etcd says the lease no longer exists. */
    private long renew(long id) throws DcsException {
        try {
            LeaseKeepAliveResponse r = call(leases.keepAliveOnce(id), "lease renewal");
            return Math.max(0, r.getTTL());
        } catch (DcsException e) {
            if (e.getMessage().contains("lease not found")) {
                return 0;
            }
            throw e;
        }
    }

    @Override
    public Duration adoptLease(long id) throws DcsException {
        long seconds = renew(id);
        if (seconds <= 0) {
            throw new DcsException("lease " + Long.toHexString(id) + " has expired");
        }
        leaseId = id;
        return validity(seconds);
    }

    @Override
    public long leaseId() {
        return leaseId;
    }

    private PutOption withLease() throws DcsException {
        if (leaseId == 0) {
            throw new DcsException("no etcd lease yet");
        }
        return PutOption.builder().withLeaseId(leaseId).build();
    }

    @Override
    public void publish(Member member) throws DcsException {
        call(kv.put(key("members/" + member.name()), bytes(KeyValues.member(member)), withLease()), "member update");
    }

    @Override
    public boolean claimInitialize(String name) throws DcsException {
        return createIfAbsent("initialize", name, PutOption.DEFAULT);
    }

    private boolean createIfAbsent(String name, String value, PutOption option) throws DcsException {
        ByteSequence k = key(name);
        TxnResponse r = call(kv.txn().If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.version(0)))
                .Then(Op.put(k, bytes(value), option)).commit(), "create of " + name);
        return r.isSucceeded();
    }

    @Override
    public void completeInitialize(String name, long systemIdentifier) throws DcsException {
        ByteSequence k = key("initialize");
        call(kv.txn().If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.value(bytes(name))))
                .Then(Op.put(k, bytes(name + " " + Long.toUnsignedString(systemIdentifier)), PutOption.DEFAULT))
                .commit(), "completion of initialize");
    }

    @Override
    public void abandonInitialize(String name) throws DcsException {
        ByteSequence k = key("initialize");
        call(kv.txn().If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.value(bytes(name))))
                .Then(Op.delete(k, DeleteOption.DEFAULT)).commit(), "release of initialize");
    }

    @Override
    public boolean acquireLeader(String name) throws DcsException {
        return createIfAbsent("leader", name, withLease());
    }

    @Override
    public void releaseLeader(String name) throws DcsException {
        ByteSequence k = key("leader");
        GetResponse current = call(kv.get(k), "read of leader");
        for (KeyValue held : current.getKvs()) {
            if (held.getValue().toString(StandardCharsets.UTF_8).equals(name) && held.getLease() == leaseId) {
                call(kv.txn().If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(held.getModRevision())))
                        .Then(Op.delete(k, DeleteOption.DEFAULT)).commit(), "release of leader");
            }
        }
    }

    @Override
    public void publishLeaderPosition(LeaderPosition position) throws DcsException {
        call(kv.put(key("position"), bytes(KeyValues.position(position))), "position update");
    }

    @Override
    public void writeSyncStandbys(String leader, Set<String> members) throws DcsException {
        call(kv.put(key("sync"), bytes(KeyValues.sync(leader, members))), "sync update");
    }

    @Override
    public void requestSwitchover(Switchover request) throws DcsException {
        call(kv.put(key("switchover"), bytes(KeyValues.switchover(request))), "switchover request");
    }

    @Override
    public void clearSwitchover() throws DcsException {
        call(kv.delete(key("switchover")), "switchover removal");
    }

    @Override
    public void requestFailover(Failover request) throws DcsException {
        call(kv.put(key("failover"), bytes(KeyValues.failover(request))), "failover request");
    }

    @Override
    public void clearFailover() throws DcsException {
        call(kv.delete(key("failover")), "failover removal");
    }

    @Override
    public void withdrawFailover(Failover request) throws DcsException {
        ByteSequence k = key("failover");
        call(kv.txn().If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.value(bytes(KeyValues.failover(request)))))
                .Then(Op.delete(k, DeleteOption.DEFAULT)).commit(), "failover withdrawal");
    }

    @Override
    public void requestReinit(String member) throws DcsException {
        call(kv.put(key("reinit/" + member), bytes(clock.instant().toString())), "reinit request");
    }

    @Override
    public void clearReinit(String member) throws DcsException {
        call(kv.delete(key("reinit/" + member)), "reinit removal");
    }

    @Override
    public void requestRestart(String member, Instant at) throws DcsException {
        call(kv.put(key("restart/" + member), bytes(at.toString())), "restart request");
    }

    @Override
    public void clearRestart(String member) throws DcsException {
        call(kv.delete(key("restart/" + member)), "restart removal");
    }

    @Override
    public void pause(java.time.Instant since) throws DcsException {
        call(kv.put(key("pause"), bytes(since.toString())), "pause");
    }

    @Override
    public void resume() throws DcsException {
        call(kv.delete(key("pause")), "resume");
    }

    @Override
    public void recordTimelines(List<TimelineSwitch> switches) throws DcsException {
        for (TimelineSwitch t : switches) {
            createIfAbsent(historyKey(t.timeline()), KeyValues.timelineSwitch(t), PutOption.DEFAULT);
        }
    }

    /** Zero-padded hexadecimal, as PostgreSQL names timelines, so that keys sort as timelines do. */
    private static String historyKey(int timeline) {
        return String.format("history/%08X", timeline);
    }

    @Override
    public List<TimelineSwitch> history() throws DcsException {
        GetResponse all = call(kv.get(key("history/"), GetOption.builder().isPrefix(true)
                .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND).build()),
                "read of history");
        List<TimelineSwitch> history = new ArrayList<>();
        for (KeyValue kvp : all.getKvs()) {
            try {
                history.add(KeyValues.timelineSwitch(kvp.getValue().toString(StandardCharsets.UTF_8)));
            } catch (IOException | RuntimeException bad) {
                // a record this version cannot read is left out rather than failing the whole history
            }
        }
        return history;
    }

    @Override
    public void warmUp(Duration limit) {
        CompletableFuture<GetResponse> request = null;
        try {
            request = kv.get(key("leader"), GetOption.builder().withCountOnly(true).build());
            request.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | RuntimeException e) {
            // unreachable, refused, or a closed client: the cycle finds out and says so in its own words
        } catch (TimeoutException e) {
            request.cancel(true); // no retries left running on the agent's client
        } catch (InterruptedException e) {
            request.cancel(true);
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void watch(Runnable onChange) {
        Watch.Listener listener = Watch.listener(response -> onChange.run(), error -> {
            // jetcd re-establishes watches itself; until then the loop-wait cycle covers it
        });
        for (String name : List.of("leader", "switchover", "failover")) {
            watchers.add(client.getWatchClient().watch(key(name), WatchOption.DEFAULT, listener));
        }
        for (String prefix : List.of("reinit/", "restart/")) {
            watchers.add(client.getWatchClient().watch(key(prefix), WatchOption.builder().isPrefix(true).build(),
                    listener));
        }
    }

    @Override
    public synchronized void close() {
        for (Watch.Watcher w : watchers) {
            w.close();
        }
        client.close();
    }
}
