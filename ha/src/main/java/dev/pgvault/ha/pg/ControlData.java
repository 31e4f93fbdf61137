package dev.pgvault.ha.pg;

import dev.pgvault.archiver.wal.Lsn;
import java.util.HashMap;
import java.util.Map;

/**
 * What {@code pg_controldata} says about a stopped cluster (run with LC_ALL=C: its labels are
 * translated otherwise).
 *
 * @param state "Database cluster state": in production, shut down, shut down in recovery, in crash
 *     recovery, in archive recovery, shutting down, starting up
 * @param checkpoint the latest checkpoint's location
 * @param timeline the latest checkpoint's timeline
 * @param systemIdentifier the database system identifier
 */
record ControlData(String state, long checkpoint, int timeline, long systemIdentifier) {

    static ControlData parse(String output) throws PgControlException {
        Map<String, String> fields = new HashMap<>();
        output.lines().forEach(line -> {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        });
        try {
            return new ControlData(field(fields, "Database cluster state"),
                    Lsn.parse(field(fields, "Latest checkpoint location")).value(),
                    Integer.parseInt(field(fields, "Latest checkpoint's TimeLineID")),
                    Long.parseUnsignedLong(field(fields, "Database system identifier")));
        } catch (IllegalArgumentException e) {
            throw new PgControlException("cannot read pg_controldata's output: " + e.getMessage(), e);
        }
    }

    private static String field(Map<String, String> fields, String name) throws PgControlException {
        String v = fields.get(name);
        if (v == null) {
            throw new PgControlException("pg_controldata printed no \"" + name + "\"");
        }
        return v;
    }

    /**
     * It last ran as a primary: "shut down" is a primary's clean shutdown ("shut down in recovery"
     * a standby's), "in production" a primary that crashed, "shutting down" one stopped or crashed
     * during its shutdown (or end-of-recovery) checkpoint, which only a primary's checkpoint
     * writes (a standby's restartpoint does not). Each may hold WAL a new leader lacks.
     */
    boolean wasPrimary() {
        return state.equals("in production") || state.equals("shut down") || state.equals("shutting down");
    }

    /**
     * It did not shut down cleanly (a primary "in production", a standby stopped immediately "in
     * archive recovery", ...), so pg_rewind would refuse it until crash recovery has run.
     */
    boolean crashed() {
        return !state.equals("shut down") && !state.equals("shut down in recovery");
    }
}
