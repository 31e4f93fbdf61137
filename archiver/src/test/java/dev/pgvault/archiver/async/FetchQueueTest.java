package dev.pgvault.archiver.async;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FetchQueueTest {
    private final List<String> ran = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch started = new CountDownLatch(1);

    /** One worker, kept busy until {@link #release} opens: everything after it waits in the queue. */
    private FetchQueue busyQueue() throws InterruptedException {
        FetchQueue q = new FetchQueue(1, Thread::new);
        q.fetch("busy", false, () -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(started.await(10, TimeUnit.SECONDS));
        return q;
    }

    private Runnable record(String name) {
        return () -> ran.add(name);
    }

    private List<String> drain(FetchQueue q) throws InterruptedException {
        release.countDown();
        q.close();
        assertTrue(q.awaitTermination(10, TimeUnit.SECONDS));
        return ran;
    }

    @Test
    void anAskedFileGoesBeforeTheFetchesAheadQueuedBeforeIt() throws Exception {
        FetchQueue q = busyQueue();
        for (String ahead : List.of("S2", "S3", "S4")) {
            q.fetch(ahead, false, record(ahead));
        }
        q.fetch("00000002.history", true, record("00000002.history"));
        q.fetch("S9", true, record("S9"));
        assertEquals(List.of("00000002.history", "S9", "S2", "S3", "S4"), drain(q));
    }

    @Test
    void aWaitingFetchAheadThatIsAskedForIsHurriedOnceAndRunsOnce() throws Exception {
        FetchQueue q = busyQueue();
        for (String ahead : List.of("S2", "S3", "S4", "S5")) {
            q.fetch(ahead, false, record(ahead));
        }
        assertTrue(q.hurry("S4", record("S4")));
        assertFalse(q.hurry("S4", record("S4")), "already asked for");
        assertFalse(q.hurry("S7", record("S7")), "not queued");
        assertFalse(q.hurry("busy", record("busy")), "under way");
        assertEquals(List.of("S4", "S2", "S3", "S5"), drain(q));
    }

    @Test
    void fetchesAheadThatRecoveryPassedAreDroppedButNotAskedOnesNorRunningOnes() throws Exception {
        FetchQueue q = busyQueue();
        for (String ahead : List.of("S2", "S3", "S4", "S5")) {
            q.fetch(ahead, false, record(ahead));
        }
        q.fetch("S1", true, record("S1"));
        List<String> dropped = q.dropWaiting(n -> n.compareTo("S4") < 0 || n.equals("busy"));
        assertEquals(List.of("S2", "S3"), dropped.stream().sorted().toList());
        assertEquals(List.of("S1", "S4", "S5"), drain(q));
    }
}
