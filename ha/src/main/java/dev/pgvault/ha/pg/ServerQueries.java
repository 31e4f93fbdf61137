package dev.pgvault.ha.pg;

import dev.pgvault.archiver.pg.PgTarget;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** What the agent asks its running PostgreSQL. */
final class ServerQueries {
    /**
     * One statement, so the role and the positions are read at one moment (pg_is_in_recovery() in
     * FROM runs once).
     */
    /**
     * A primary's timeline as SQL: the one its current WAL file names (pg_control_checkpoint()'s
     * stays on the old timeline until the first checkpoint after a promotion). Only on a primary.
     */
    static final String WAL_TIMELINE = "('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int";

    private static final String STATUS = "SELECT r,"
            + " CASE WHEN r THEN NULL ELSE " + WAL_TIMELINE + " END,"
            + " (CASE WHEN r THEN greatest(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())"
            + " ELSE pg_current_wal_lsn() END - '0/0')::bigint,"
            + " (SELECT received_tli FROM pg_stat_wal_receiver),"
            + " coalesce((SELECT status = 'streaming' FROM pg_stat_wal_receiver), false),"
            + " (SELECT system_identifier FROM pg_control_system()),"
            + " (SELECT timeline_id FROM pg_control_checkpoint())"
            + " FROM pg_is_in_recovery() AS r";

    /**
     * A failure sooner than this is a connection the server had already closed (it was restarted
     * or stopped since the last query), worth one fresh try; a slower one is a server that does
     * not answer, and trying again would double what a hung server costs the agent's cycle.
     */
    private static final long QUICK_FAILURE_NANOS = Duration.ofMillis(200).toNanos();

    private final PgTarget target;
    private final Duration timeout;
    /**
     * One session kept from query to query: a new connection costs a backend's start, some
     * 30-150 ms on a busy host, twice on a switchover's critical path. Idle between queries (no
     * transaction open), so it holds no snapshot back and blocks no fast shutdown.
     */
    private volatile Connection session;

    ServerQueries(PgTarget target, Duration timeout) {
        this.target = target;
        this.timeout = timeout;
    }

    @FunctionalInterface
    private interface Query<T> {
        T run(Connection c) throws SQLException;
    }

    /** {@code query} on the kept session, opened again once if the server had closed it. */
    private synchronized <T> T onSession(Query<T> query) throws SQLException {
        if (session != null) {
            long began = System.nanoTime();
            try {
                return query.run(session);
            } catch (SQLException e) {
                forget();
                if (System.nanoTime() - began > QUICK_FAILURE_NANOS) {
                    throw e;
                }
            }
        }
        Connection c = LocalConnection.open(target, timeout);
        try {
            T answer = query.run(c);
            session = c;
            return answer;
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /**
     * Drops the kept session (the agent is stopping the server). Without the lock: it never waits
     * on a query in flight, which its closing fails at once.
     */
    void forget() {
        Connection c = session;
        session = null;
        if (c != null) {
            closeQuietly(c);
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // a broken session is gone either way
        }
    }

    /** The running server's status; throws when it does not answer. */
    PgStatus status() throws SQLException {
        return onSession(c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(STATUS)) {
                rs.next();
                boolean inRecovery = rs.getBoolean(1);
                long lsn = rs.getLong(3);
                boolean streaming = rs.getBoolean(5);
                long systemId = rs.getLong(6);
                int timeline = inRecovery ? standbyTimeline(rs.getInt(4), streaming, rs.getInt(7)) : rs.getInt(2);
                return new PgStatus(true, true, inRecovery, timeline, lsn, streaming, false, false, systemId);
            }
        });
    }

    /**
     * Streaming: the timeline it receives. Otherwise the one it replays, which only the replication
     * protocol's IDENTIFY_SYSTEM tells; if that connection is refused (pg_hba), the last
     * restartpoint's timeline, which lags a timeline switch until the next restartpoint.
     */
    private int standbyTimeline(int receivedTimeline, boolean streaming, int checkpointTimeline) {
        if (streaming && receivedTimeline > 0) {
            return receivedTimeline;
        }
        try (Connection c = LocalConnection.openReplication(target, timeout); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
            rs.next();
            return rs.getInt("timeline");
        } catch (SQLException e) {
            return checkpointTimeline;
        }
    }

    boolean inRecovery() throws SQLException {
        return onSession(c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
                rs.next();
                return rs.getBoolean(1);
            }
        });
    }

    java.util.Map<String, Boolean> physicalSlots() throws SQLException {
        try (Connection c = LocalConnection.open(target, timeout); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT slot_name, active FROM pg_replication_slots WHERE slot_type = 'physical'")) {
            java.util.Map<String, Boolean> slots = new java.util.TreeMap<>();
            while (rs.next()) {
                slots.put(rs.getString(1), rs.getBoolean(2));
            }
            return slots;
        }
    }

    /** {@code function} of one text argument: pg_create_physical_replication_slot's reservation is on. */
    void slotCall(String sql, String name) throws SQLException {
        try (Connection c = LocalConnection.open(target, timeout);
                java.sql.PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, name);
            st.execute();
        }
    }

    List<Standby> standbys() throws SQLException {
        String sql = "SELECT application_name, state, sync_state, coalesce((flush_lsn - '0/0')::bigint, 0)"
                + " FROM pg_stat_replication ORDER BY application_name";
        try (Connection c = LocalConnection.open(target, timeout); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            List<Standby> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new Standby(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
            }
            return out;
        }
    }
}
