package dev.pgvault.ha.fence;

import java.time.Duration;
import java.util.Optional;

/** What the fence does on one look at its order: nothing yet, stop PostgreSQL, or end. */
public enum FenceVerdict {
    WAIT, STOP, EXIT;

    /**
     * @param order the agent's last order; empty when there is none (the agent retired it)
     * @param margin how long before the lease's end PostgreSQL must be stopping: an immediate stop
     *     takes well under a second, and etcd only lets the lease go after its own, later count
     */
    public static FenceVerdict of(Optional<FenceOrder> order, long nowNanos, long nowMillis, String bootId,
            boolean agentAlive, Duration margin) {
        if (order.isEmpty() || order.get().state() == FenceOrder.State.EXIT) {
            return EXIT;
        }
        FenceOrder o = order.get();
        if (o.state() == FenceOrder.State.DISARMED) {
            // a dead agent arms nothing again; its successor starts a fence of its own
            return agentAlive ? WAIT : EXIT;
        }
        long m = margin.toNanos();
        boolean steadyOver = !o.bootId().equals(bootId) || nowNanos - (o.steadyEndNanos() - m) >= 0;
        boolean wallOver = nowMillis >= o.wallEndMillis() - margin.toMillis();
        return steadyOver || wallOver ? STOP : WAIT;
    }
}
