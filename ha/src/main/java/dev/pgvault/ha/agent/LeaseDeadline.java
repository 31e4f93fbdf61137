package dev.pgvault.ha.agent;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Until when this agent's lease surely holds, counted from before the renewal was sent on two
 * clocks, and believed only while both agree. The steady clock, because a wall clock stepped back
 * (NTP) would stretch the lease; the wall clock, because the monotonic clock stands still while
 * the machine is suspended, and etcd lets the lease run out meanwhile.
 *
 * @param steady the deadline on the agent's steady clock
 * @param wall the deadline on the wall clock
 */
record LeaseDeadline(Instant steady, Instant wall) {

    /** A lease valid for {@code valid} from the instants read on each clock before the request. */
    static LeaseDeadline after(Instant steadySent, Instant wallSent, Duration valid) {
        return new LeaseDeadline(steadySent.plus(valid), wallSent.plus(valid));
    }

    /** How long the lease surely holds from now: the shorter of the two clocks' answers, negative once past. */
    Duration remaining(Clock steadyClock, Clock wallClock) {
        Duration bySteady = Duration.between(steadyClock.instant(), steady);
        Duration byWall = Duration.between(wallClock.instant(), wall);
        return bySteady.compareTo(byWall) < 0 ? bySteady : byWall;
    }
}
