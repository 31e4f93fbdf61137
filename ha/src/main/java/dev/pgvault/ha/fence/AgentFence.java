package dev.pgvault.ha.fence;

import java.time.Duration;

/** The agent's side of a fence outside its JVM (see {@link Fence}). */
public interface AgentFence {

    /**
     * After each decision and each lease renewal: whether a writable PostgreSQL runs under the
     * lease, and how long that lease surely holds from now (null: no lease).
     */
    void guard(boolean armed, Duration leaseLeft);

    /** Whether a fence process watches this node now. */
    boolean running();

    /** The agent stops PostgreSQL itself and exits: the fence may end. */
    void retire();

    /** No fence (ha.watchdog: off, and unit tests). */
    AgentFence NONE = new AgentFence() {
        @Override
        public void guard(boolean armed, Duration leaseLeft) {}

        @Override
        public boolean running() {
            return false;
        }

        @Override
        public void retire() {}
    };
}
