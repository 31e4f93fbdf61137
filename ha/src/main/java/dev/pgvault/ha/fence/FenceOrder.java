package dev.pgvault.ha.fence;

import java.util.HashMap;
import java.util.Map;

/**
 * What the agent last told its fence: whether PostgreSQL may only run under a lease, and until
 * when that lease surely holds, on both clocks (the monotonic one is only meaningful within the
 * boot it was read in, so the boot is named too).
 *
 * @param state armed (a writable primary runs under the lease), disarmed (nothing to fence), or exit
 * @param steadyEndNanos the lease's end on {@link System#nanoTime()} (CLOCK_MONOTONIC, shared by every process of a boot)
 * @param wallEndMillis the lease's end on the wall clock, epoch milliseconds
 * @param bootId the kernel's boot id when the order was written
 * @param agentPid the process that wrote it
 */
public record FenceOrder(State state, long steadyEndNanos, long wallEndMillis, String bootId, long agentPid) {

    public enum State { ARMED, DISARMED, EXIT }

    private static final String MAGIC = "pgvault-fence 1";

    public String encode() {
        return MAGIC + "\nstate " + state.name().toLowerCase(java.util.Locale.ROOT) + "\nsteady-end-nanos " + steadyEndNanos
                + "\nwall-end-millis " + wallEndMillis + "\nboot " + bootId + "\nagent-pid " + agentPid + "\n";
    }

    /** The order in {@code text}; an unreadable one counts as armed with a lease already over (the safe reading). */
    public static FenceOrder parse(String text) {
        String[] lines = text.split("\n");
        if (lines.length < 6 || !lines[0].equals(MAGIC)) {
            return unreadable();
        }
        Map<String, String> fields = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int space = lines[i].indexOf(' ');
            if (space > 0) {
                fields.put(lines[i].substring(0, space), lines[i].substring(space + 1));
            }
        }
        try {
            return new FenceOrder(State.valueOf(fields.get("state").toUpperCase(java.util.Locale.ROOT)),
                    Long.parseLong(fields.get("steady-end-nanos")), Long.parseLong(fields.get("wall-end-millis")),
                    fields.get("boot"), Long.parseLong(fields.get("agent-pid")));
        } catch (RuntimeException e) {
            return unreadable();
        }
    }

    private static FenceOrder unreadable() {
        return new FenceOrder(State.ARMED, Long.MIN_VALUE, Long.MIN_VALUE, "", 0);
    }
}
