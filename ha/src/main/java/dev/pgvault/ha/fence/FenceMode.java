package dev.pgvault.ha.fence;

/** {@code ha.watchdog}: whether the agent runs a fence process beside it, and whether it may lead without one. */
public enum FenceMode {
    /** No fence: only the agent's own watchdog thread, which freezes with the agent. */
    OFF,
    /** A fence when it can be started; the agent leads without one, and logs why. */
    AUTOMATIC,
    /** PostgreSQL is made writable only while a fence runs. */
    REQUIRED
}
