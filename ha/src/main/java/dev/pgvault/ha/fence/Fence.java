package dev.pgvault.ha.fence;

import dev.pgvault.ha.pg.LocalPostgres;
import dev.pgvault.ha.pg.PgControlException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The fence: a process of its own, beside the agent, that stops PostgreSQL when the agent stops
 * renewing the lease it runs a primary under (the agent frozen, killed, out of memory), before
 * that lease can expire. The agent's own watchdog thread freezes with the agent's JVM; this does
 * not. It reads the agent's order ten times a second and does nothing else, so there is little
 * in it to stall.
 */
public final class Fence {
    private static final long POLL_MILLIS = 100;

    private final FenceFiles files;
    private final LocalPostgres postgres;
    private final Consumer<String> log;
    /** How long before the lease's end it stops PostgreSQL ({@link dev.pgvault.ha.HaSettings#fenceMargin()}). */
    private final Duration margin;

    public Fence(FenceFiles files, LocalPostgres postgres, Consumer<String> log, Duration margin) {
        this.files = files;
        this.margin = margin;
        this.postgres = postgres;
        this.log = log;
    }

    /** Runs until the agent retires it, or it has nothing left to guard; false when another fence already runs. */
    public boolean run() throws IOException, InterruptedException {
        Files.createDirectories(files.dir());
        try (FileChannel ch = FileChannel.open(files.lock(), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                return false; // held by a fence in this JVM
            }
            if (lock == null) {
                return false;
            }
            log.accept("fence: watching " + files.order());
            watch();
            return true;
        }
    }

    private void watch() throws InterruptedException {
        String boot = FenceFiles.bootId();
        String lastError = null;
        boolean stopped = false;
        while (true) {
            Optional<FenceOrder> order;
            try {
                order = files.read();
            } catch (IOException e) {
                order = Optional.of(FenceOrder.parse("")); // unreadable: armed and over
            }
            boolean agentAlive = order.map(o -> ProcessHandle.of(o.agentPid()).map(ProcessHandle::isAlive).orElse(false))
                    .orElse(false);
            FenceVerdict verdict = FenceVerdict.of(order, System.nanoTime(), System.currentTimeMillis(), boot, agentAlive,
                    margin);
            switch (verdict) {
                case EXIT -> {
                    log.accept("fence: " + (order.isEmpty() ? "the agent retired it" : "nothing left to guard") + "; exiting");
                    return;
                }
                case WAIT -> stopped = false;
                case STOP -> {
                    try {
                        if (postgres.stopImmediately()) {
                            log.accept("fence: agent " + order.get().agentPid() + (agentAlive ? " (alive, not renewing)" : " (gone)")
                                    + " armed PostgreSQL under a lease that ends at "
                                    + Instant.ofEpochMilli(order.get().wallEndMillis()) + ": stopped it immediately");
                            stopped = true;
                        } else if (!agentAlive) {
                            log.accept("fence: PostgreSQL is stopped and agent " + order.get().agentPid() + " is gone; exiting");
                            return;
                        }
                        lastError = null;
                    } catch (PgControlException e) {
                        if (!e.getMessage().equals(lastError)) {
                            log.accept("fence: " + e.getMessage() + "; retrying");
                        }
                        lastError = e.getMessage();
                    }
                }
            }
            Thread.sleep(stopped ? POLL_MILLIS * 5 : POLL_MILLIS);
        }
    }
}
