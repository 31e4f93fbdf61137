package dev.pgvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The etcd fixture itself: members that stop, die and come back with their data, a quorum that survives one loss. */
@Concurrent
class EtcdClusterIT {

    @Test
    void withoutEtcdTheFixtureFailsAndSaysHowToInstallIt() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> EtcdCluster.requireInstalled(Path.of("/nonexistent/etcd")));
        assertTrue(e.getMessage().contains("etcd not installed"), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install -y etcd-server"), e.getMessage());
    }

    @Test
    @Timeout(120)
    void oneMemberKeepsItsKeysAcrossStopAndKill() throws Exception {
        try (EtcdCluster etcd = EtcdCluster.start(1)) {
            assertEquals(1, etcd.clientUrls().size());
            assertTrue(etcd.clientUrl(0).matches("http://127\\.0\\.0\\.1:\\d+"), etcd.clientUrl(0));
            assertEquals(1, members(etcd), "what the agent counts before warning of a short lease");
            try (Client client = client(etcd.clientUrls())) {
                put(client.getKVClient(), "/pgvault/test/a", "1");
            }
            etcd.stop(0);
            assertFalse(etcd.running(0));
            etcd.restart(0);
            try (Client client = client(etcd.clientUrls())) {
                assertEquals("1", get(client.getKVClient(), "/pgvault/test/a"));
                put(client.getKVClient(), "/pgvault/test/b", "2");
            }
            etcd.kill(0); // an acknowledged put was fsynced: it survives SIGKILL too
            etcd.restart(0);
            try (Client client = client(etcd.clientUrls())) {
                assertEquals("1", get(client.getKVClient(), "/pgvault/test/a"));
                assertEquals("2", get(client.getKVClient(), "/pgvault/test/b"));
            }
        }
    }

    @Test
    @Timeout(180)
    void threeMembersServeWithOneKilledAndTheKilledOneCatchesUp() throws Exception {
        try (EtcdCluster etcd = EtcdCluster.start(3)) {
            assertEquals(3, etcd.clientUrls().stream().distinct().count());
            try (Client client = client(etcd.clientUrls())) {
                KV kv = client.getKVClient();
                put(kv, "/pgvault/test/before", "x");
                etcd.kill(0);
                put(kv, "/pgvault/test/after", "y");
                assertEquals(3, members(etcd), "the member killed is listed too");
                assertEquals("x", get(kv, "/pgvault/test/before"));
                assertEquals("y", get(kv, "/pgvault/test/after"));
            }
            etcd.restart(0);
            // Only the restarted member as endpoint: a linearizable read there needs it rejoined.
            try (Client client = client(List.of(etcd.clientUrl(0)))) {
                assertEquals("y", get(client.getKVClient(), "/pgvault/test/after"));
            }
        }
    }

    /** The members etcd lists, as the HA agent counts them (EtcdDcs). */
    private static int members(EtcdCluster etcd) throws Exception {
        try (dev.pgvault.ha.dcs.EtcdDcs dcs = new dev.pgvault.ha.dcs.EtcdDcs(
                etcd.clientUrls().stream().map(java.net.URI::create).toList(), "members", java.time.Duration.ofSeconds(10),
                java.time.Duration.ofSeconds(5), java.time.Clock.systemUTC())) {
            return dcs.etcdMembers();
        }
    }

    private static Client client(List<String> urls) {
        return Client.builder().endpoints(urls.toArray(String[]::new)).build();
    }

    /**
     * jetcd does not retry a request that was in flight to a member that died (FACTS.md: one fails
     * with UNAVAILABLE after some seconds); a caller retries, as the agent will.
     */
    private static void put(KV kv, String key, String value) throws Exception {
        retry(() -> kv.put(bytes(key), bytes(value)).get(10, TimeUnit.SECONDS));
    }

    private static String get(KV kv, String key) throws Exception {
        GetResponse r = retry(() -> kv.get(bytes(key)).get(10, TimeUnit.SECONDS));
        assertEquals(1, r.getKvs().size(), "key " + key);
        return r.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8);
    }

    private interface Call<T> {
        T call() throws ExecutionException, TimeoutException, InterruptedException;
    }

    private static <T> T retry(Call<T> call) throws Exception {
        Exception last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                return call.call();
            } catch (ExecutionException | TimeoutException e) {
                last = e;
                Thread.sleep(500);
            }
        }
        throw last;
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
