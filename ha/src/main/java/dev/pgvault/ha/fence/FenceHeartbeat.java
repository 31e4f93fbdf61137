package dev.pgvault.ha.fence;

import dev.pgvault.archiver.LockProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Writes the agent's orders for its fence and keeps a fence process running: one is started
 * (through {@code starter}) whenever none holds the fence's lock, at most once a second. While
 * the orders are disarmed (no writable PostgreSQL here), not in the agent's first
 * {@link #DISARMED_START_DELAY}: a fence guards nothing then, and its JVM's start took CPU from
 * a rejoining agent's own start on a small machine. An armed order starts one at once.
 */
public final class FenceHeartbeat implements AgentFence {
    /** How long a disarmed agent goes without a fence after its start. */
    static final Duration DISARMED_START_DELAY = Duration.ofSeconds(5);

    private final FenceFiles files;
    private final Runnable starter;
    private final Consumer<String> log;
    private final String boot = FenceFiles.bootId();
    private final long pid = ProcessHandle.current().pid();
    private final long created = System.nanoTime();
    private final Duration disarmedStartDelay;
    private long lastStartCheck = System.nanoTime() - 2_000_000_000L;
    private String lastError;

    public FenceHeartbeat(FenceFiles files, Runnable starter, Consumer<String> log) {
        this(files, starter, log, DISARMED_START_DELAY);
    }

    FenceHeartbeat(FenceFiles files, Runnable starter, Consumer<String> log, Duration disarmedStartDelay) {
        this.files = files;
        this.starter = starter;
        this.log = log;
        this.disarmedStartDelay = disarmedStartDelay;
    }

    @Override
    public synchronized void guard(boolean armed, Duration leaseLeft) {
        long left = leaseLeft == null ? Long.MIN_VALUE / 4 : leaseLeft.toNanos();
        long steadyEnd = System.nanoTime() + left;
        long wallEnd = System.currentTimeMillis() + (leaseLeft == null ? Long.MIN_VALUE / 4_000_000 : leaseLeft.toMillis());
        try {
            files.write(new FenceOrder(armed ? FenceOrder.State.ARMED : FenceOrder.State.DISARMED, steadyEnd, wallEnd, boot,
                    pid));
            lastError = null;
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).equals(lastError)) {
                log.accept("fence: cannot write " + files.order() + ": " + e.getMessage());
            }
            lastError = String.valueOf(e.getMessage());
        }
        if (!armed && System.nanoTime() - created < disarmedStartDelay.toNanos()) {
            return;
        }
        if (System.nanoTime() - lastStartCheck > 1_000_000_000L) {
            lastStartCheck = System.nanoTime();
            if (!running()) {
                starter.run();
            }
        }
    }

    @Override
    public boolean running() {
        try {
            return LockProbe.held(files.lock());
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public synchronized void retire() {
        try {
            Files.deleteIfExists(files.order());
        } catch (IOException e) {
            log.accept("fence: cannot remove " + files.order() + ": " + e.getMessage());
        }
    }
}
