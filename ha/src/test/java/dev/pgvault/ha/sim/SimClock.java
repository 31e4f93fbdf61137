package dev.pgvault.ha.sim;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock the simulation moves: the steady time all nodes and etcd share (one machine's elapsed
 * time), or a node's wall clock, which is that time plus an offset a fault may step.
 */
final class SimClock extends Clock {
    private final SimClock base;
    private Instant now;
    private Duration offset = Duration.ZERO;

    /** The steady clock, starting at {@code start}. */
    SimClock(Instant start) {
        this.base = null;
        this.now = start;
    }

    /** A wall clock: {@code steady} plus an offset. */
    SimClock(SimClock steady) {
        this.base = steady;
    }

    void advance(Duration d) {
        now = now.plus(d);
    }

    void step(Duration d) {
        offset = offset.plus(d);
    }

    Duration offset() {
        return offset;
    }

    long epochNanos() {
        Instant t = instant();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    @Override
    public Instant instant() {
        return base == null ? now : base.instant().plus(offset);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
