package dev.pgvault.ha.sim;

import dev.pgvault.ha.fence.AgentFence;
import dev.pgvault.ha.fence.FenceOrder;
import dev.pgvault.ha.fence.FenceVerdict;
import java.time.Duration;
import java.util.Optional;

/**
 * The fence process beside one node's agent: it holds the agent's last order, computed as {@code
 * FenceHeartbeat} computes it, and the world asks it every tick, as the real fence looks at its
 * order file, whether PostgreSQL must be stopped ({@link FenceVerdict}, with the real margin). It
 * outlives its agent: a killed or frozen agent's last order still holds.
 */
final class SimFence implements AgentFence {
    private static final String BOOT = "sim-boot";

    private final SimClock steady;
    private final SimClock wall;
    private final Duration margin;
    private FenceOrder order;

    SimFence(SimClock steady, SimClock wall, Duration margin) {
        this.margin = margin;
        this.steady = steady;
        this.wall = wall;
    }

    @Override
    public void guard(boolean armed, Duration leaseLeft) {
        long left = leaseLeft == null ? Long.MIN_VALUE / 4 : leaseLeft.toNanos();
        long leftMillis = leaseLeft == null ? Long.MIN_VALUE / 4_000_000 : leaseLeft.toMillis();
        order = new FenceOrder(armed ? FenceOrder.State.ARMED : FenceOrder.State.DISARMED, steady.epochNanos() + left,
                wall.millis() + leftMillis, BOOT, 1);
    }

    @Override
    public boolean running() {
        return true;
    }

    @Override
    public void retire() {
        order = null;
    }

    /** Whether the fence stops PostgreSQL now. */
    boolean stops(boolean agentAlive) {
        return FenceVerdict.of(Optional.ofNullable(order), steady.epochNanos(), wall.millis(), BOOT, agentAlive,
                margin) == FenceVerdict.STOP;
    }
}
