package dev.pgvault.ha.pg;

import dev.pgvault.archiver.pg.PgTarget;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * Readies the server pg_rewind copies from. pg_rewind takes the source's timeline from its
 * pg_control, and a just-promoted primary's pg_control names the old timeline until its first
 * checkpoint after the promotion (which PostgreSQL 15 spreads out): pg_rewind would then find both
 * on one timeline and say "no rewind required", leaving a target that cannot follow.
 */
final class RewindSource {
    private static final String TIMELINES = "SELECT (SELECT timeline_id FROM pg_control_checkpoint()),"
            + " CASE WHEN pg_is_in_recovery() THEN NULL"
            + " ELSE " + ServerQueries.WAL_TIMELINE + " END";

    private RewindSource() {}

    /**
     * Checkpoints {@code source} when its pg_control lags its current timeline. Every failure here
     * comes before pg_rewind touches the target; a connection that cannot be made, or a server
     * shutting down, is {@link SourceUnreachableException}.
     */
    static void checkpointIfBehind(PgTarget source, Duration connectTimeout, Duration timeout)
            throws PgControlException {
        try (Connection c = LocalConnection.open(source, connectTimeout, timeout); Statement st = c.createStatement()) {
            boolean behind;
            try (ResultSet rs = st.executeQuery(TIMELINES)) {
                rs.next();
                if (rs.getObject(2) == null) {
                    // still promoting: pg_rewind would see its old timeline and find nothing to rewind
                    throw new SourceUnreachableException(source + " is still in recovery: not yet a source for pg_rewind");
                }
                behind = rs.getInt(1) != rs.getInt(2);
            }
            if (behind) {
                st.execute("CHECKPOINT");
            }
        } catch (SQLException e) {
            String why = "cannot ready " + source + " for pg_rewind (its timeline in pg_control, CHECKPOINT): "
                    + LocalConnection.oneLine(e);
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            // SQLSTATE class 08, connection exception; 57P, a server shutting down or starting up
            throw state.startsWith("08") || state.startsWith("57P") ? new SourceUnreachableException(why, e)
                    : new PgControlException(why, e);
        }
    }
}
