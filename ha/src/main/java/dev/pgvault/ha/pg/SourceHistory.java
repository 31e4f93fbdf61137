package dev.pgvault.ha.pg;

import dev.pgvault.archiver.pg.PgTarget;
import dev.pgvault.archiver.wal.TimelineHistory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;

/**
 * A running primary's system identifier and its current timeline's history file, read over SQL
 * from its pg_wal with the functions pg_rewind itself needs on its source (so a role that can
 * rewind can read it).
 *
 * @param file the history file's bytes, as the primary has them
 */
record SourceHistory(long systemIdentifier, TimelineHistory history, byte[] file) {
    /** The timeline WAL is written on now, and its history file. */
    private static final String QUERY = "SELECT (SELECT system_identifier FROM pg_control_system()), tli,"
            + " CASE WHEN tli > 1 THEN pg_read_binary_file('pg_wal/' || lpad(upper(to_hex(tli)), 8, '0') || '.history') END"
            + " FROM (SELECT CASE WHEN pg_is_in_recovery() THEN NULL"
            + " ELSE " + ServerQueries.WAL_TIMELINE + " END AS tli) t";

    /**
     * What {@code source} has; empty when it is not a primary, is on the first timeline, or cannot
     * be asked (the caller then does what it would do without it).
     */
    static Optional<SourceHistory> of(PgTarget source, Duration timeout) {
        try (Connection c = LocalConnection.open(source, timeout, timeout); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(QUERY)) {
            if (!rs.next() || rs.getObject(2) == null || rs.getBytes(3) == null) {
                return Optional.empty();
            }
            byte[] file = rs.getBytes(3);
            return Optional.of(new SourceHistory(rs.getLong(1), TimelineHistory.parse(rs.getInt(2), file), file));
        } catch (SQLException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
