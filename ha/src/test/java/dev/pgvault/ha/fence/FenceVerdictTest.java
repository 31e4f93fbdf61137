package dev.pgvault.ha.fence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FenceVerdictTest {
    private static final Duration MARGIN = Duration.ofSeconds(2);
    private static final long NOW_NANOS = 5_000_000_000_000L;
    private static final long NOW_MILLIS = 1_790_000_000_000L;

    private static FenceVerdict verdict(FenceOrder.State state, long leftMillis, String boot, boolean agentAlive) {
        FenceOrder o = new FenceOrder(state, NOW_NANOS + leftMillis * 1_000_000, NOW_MILLIS + leftMillis, boot, 42);
        return FenceVerdict.of(Optional.of(o), NOW_NANOS, NOW_MILLIS, "boot-a", agentAlive, MARGIN);
    }

    @Test
    void anArmedLeaseWithMoreThanTheMarginLeftIsLeftAlone() {
        assertEquals(FenceVerdict.WAIT, verdict(FenceOrder.State.ARMED, 2001, "boot-a", true));
        assertEquals(FenceVerdict.WAIT, verdict(FenceOrder.State.ARMED, 9000, "boot-a", false), "an agent just killed");
    }

    @Test
    void anArmedLeaseWithinTheMarginOfItsEndStopsPostgres() {
        assertEquals(FenceVerdict.STOP, verdict(FenceOrder.State.ARMED, 2000, "boot-a", true));
        assertEquals(FenceVerdict.STOP, verdict(FenceOrder.State.ARMED, -60_000, "boot-a", false));
    }

    @Test
    void eitherClockEndsTheLease() {
        // the wall clock ran on (a suspend: the monotonic clock stood still)
        FenceOrder wallOver = new FenceOrder(FenceOrder.State.ARMED, NOW_NANOS + 9_000_000_000L, NOW_MILLIS + 1000, "boot-a", 42);
        assertEquals(FenceVerdict.STOP, FenceVerdict.of(Optional.of(wallOver), NOW_NANOS, NOW_MILLIS, "boot-a", true, MARGIN));
        // the wall clock was stepped back: the monotonic clock still ends it
        FenceOrder steadyOver = new FenceOrder(FenceOrder.State.ARMED, NOW_NANOS + 1_000_000_000L, NOW_MILLIS + 3_600_000,
                "boot-a", 42);
        assertEquals(FenceVerdict.STOP, FenceVerdict.of(Optional.of(steadyOver), NOW_NANOS, NOW_MILLIS, "boot-a", true, MARGIN));
    }

    @Test
    void aMonotonicDeadlineFromAnotherBootMeansNothing() {
        assertEquals(FenceVerdict.STOP, verdict(FenceOrder.State.ARMED, 9000, "boot-b", true));
    }

    @Test
    void disarmedItWaitsForItsAgentAndEndsWithIt() {
        assertEquals(FenceVerdict.WAIT, verdict(FenceOrder.State.DISARMED, -60_000, "boot-a", true));
        assertEquals(FenceVerdict.EXIT, verdict(FenceOrder.State.DISARMED, 9000, "boot-a", false));
    }

    @Test
    void aRetiredOrderEndsIt() {
        assertEquals(FenceVerdict.EXIT, FenceVerdict.of(Optional.empty(), NOW_NANOS, NOW_MILLIS, "boot-a", true, MARGIN));
        assertEquals(FenceVerdict.EXIT, verdict(FenceOrder.State.EXIT, 9000, "boot-a", true));
    }

    @Test
    void anOrderThatCannotBeReadCountsAsArmedAndOver() {
        FenceOrder torn = FenceOrder.parse("pgvault-fence 1\nstate armed\nsteady-end-nanos 12");
        assertEquals(FenceVerdict.STOP, FenceVerdict.of(Optional.of(torn), NOW_NANOS, NOW_MILLIS, "boot-a", true, MARGIN));
        FenceOrder o = new FenceOrder(FenceOrder.State.DISARMED, 1, 2, "b", 3);
        assertEquals(o, FenceOrder.parse(o.encode()));
    }
}
