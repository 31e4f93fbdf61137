package dev.pgvault.ha.agent;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock that only moves forward at the pace of real time: the wall clock read once, plus the
 * monotonic time elapsed since. The agent measures its lease and its waits on it, because a wall
 * clock stepped back (NTP) would otherwise stretch a lease that etcd has already let expire, and a
 * node would keep writing while another is promoted. It stands still while the machine is
 * suspended, which is why {@link LeaseDeadline} asks the wall clock too.
 */
public final class SteadyClock extends Clock {
    private final Instant anchor;
    private final long anchorNanos;

    public SteadyClock() {
        this.anchor = Instant.now();
        this.anchorNanos = System.nanoTime();
    }

    @Override
    public Instant instant() {
        return anchor.plusNanos(System.nanoTime() - anchorNanos);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("a steady clock has no zone");
    }
}
