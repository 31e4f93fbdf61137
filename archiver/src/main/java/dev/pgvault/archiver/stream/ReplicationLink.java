package dev.pgvault.archiver.stream;

import dev.pgvault.archiver.pg.PgException;
import dev.pgvault.archiver.pg.PgSession;
import dev.pgvault.archiver.pg.PgTarget;
import dev.pgvault.archiver.wal.Lsn;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import org.postgresql.PGProperty;
import org.postgresql.copy.CopyDual;
import org.postgresql.copy.CopyOperation;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.PGStream;
import org.postgresql.core.v3.replication.V3PGReplicationStream;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.ReplicationType;

/**
 * A physical replication connection to PostgreSQL: the replication commands {@code wal-receive}
 * needs, over pgjdbc.
 *
 * <p>pgjdbc's own stream builder cannot name a timeline, and a receiver must (to follow WAL of a
 * timeline the server has left up to where it ended), so {@link #start} sends START_REPLICATION
 * itself and hands the copy stream to pgjdbc's stream class, as pgjdbc's builder does.
 */
final class ReplicationLink implements AutoCloseable {

    /** What IDENTIFY_SYSTEM says: the cluster, its current timeline and how far its WAL is flushed. */
    record ServerIdentity(long systemIdentifier, int timeline, Lsn flushed) {}

    /** A physical slot's restart position and, when the server knows it, that position's timeline. */
    record SlotPosition(Optional<Lsn> restart, OptionalInt timeline) {}

    private final Connection connection;
    private final PgTarget target;

    private ReplicationLink(Connection connection, PgTarget target) {
        this.connection = connection;
        this.target = target;
    }

    static ReplicationLink open(PgTarget target, String applicationName) throws PgException {
        Properties p = new Properties();
        PGProperty.USER.set(p, target.user());
        PGProperty.REPLICATION.set(p, "true");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "9.4");
        PGProperty.PREFER_QUERY_MODE.set(p, "simple");
        PGProperty.APPLICATION_NAME.set(p, applicationName);
        PGProperty.CONNECT_TIMEOUT.set(p, 10);
        // No socket timeout: polling never blocks on the socket; a primary gone silent is found
        // by the receiver's own probe (WalReceiver), TCP keepalive as a last resort.
        PGProperty.SOCKET_TIMEOUT.set(p, 0);
        PGProperty.TCP_KEEP_ALIVE.set(p, true);
        String password = System.getenv("PGPASSWORD");
        if (password != null) {
            PGProperty.PASSWORD.set(p, password);
        }
        String url = "jdbc:postgresql://" + target.host() + ":" + target.port() + "/" + target.database();
        try {
            return new ReplicationLink(DriverManager.getConnection(url, p), target);
        } catch (SQLException e) {
            throw new PgException("cannot open a replication connection to " + target + ": " + PgSession.oneLine(e)
                    + PgSession.passwordHint(e), e);
        }
    }

    ServerIdentity identify() throws PgException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
            rs.next();
            return new ServerIdentity(Long.parseUnsignedLong(rs.getString("systemid")), rs.getInt("timeline"),
                    Lsn.parse(rs.getString("xlogpos")));
        } catch (SQLException e) {
            throw failure("IDENTIFY_SYSTEM", e);
        }
    }

    /**
     * Refuses a server older than PostgreSQL 15 (READ_REPLICATION_SLOT is 15's) and a standby:
     * a receiver on a standby would store WAL behind the primary's receiver over its objects.
     */
    void requirePrimary() throws PgException {
        try (Statement st = connection.createStatement()) {
            int num;
            String text;
            try (ResultSet rs = st.executeQuery("SHOW server_version_num")) {
                rs.next();
                num = Integer.parseInt(rs.getString(1));
            }
            try (ResultSet rs = st.executeQuery("SHOW server_version")) {
                rs.next();
                text = rs.getString(1);
            }
            dev.pgvault.archiver.pg.ServerVersion.requireSupported(num, text, target.toString());
            try (ResultSet rs = st.executeQuery("SHOW in_hot_standby")) {
                rs.next();
                if ("on".equals(rs.getString(1))) {
                    throw new NotPrimaryException(target + " is a standby: wal-receive streams from the primary (one receiver"
                            + " per stanza; a standby's WAL lags and would be stored over the primary's)");
                }
            }
        } catch (SQLException e) {
            throw failure("SHOW server_version_num, in_hot_standby", e);
        }
    }

    /** The content of timeline {@code tli}'s history file, as the server has it. */
    byte[] timelineHistory(int tli) throws PgException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("TIMELINE_HISTORY " + tli)) {
            rs.next();
            // Labelled bytea, sent as the file's text.
            return rs.getString(2).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } catch (SQLException e) {
            throw failure("TIMELINE_HISTORY " + tli, e);
        }
    }

    /** The slot's position, or empty when there is no slot of that name. */
    Optional<SlotPosition> readSlot(String slot) throws PgException {
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("READ_REPLICATION_SLOT " + quoted(slot))) {
            rs.next();
            String type = rs.getString("slot_type");
            if (type == null) {
                return Optional.empty();
            }
            if (!type.equals("physical")) {
                throw new PgException("replication slot " + slot + " on " + target + " is a " + type
                        + " slot; wal-receive needs a physical one");
            }
            String restart = rs.getString("restart_lsn");
            int tli = rs.getInt("restart_tli");
            return Optional.of(new SlotPosition(Optional.ofNullable(restart).map(Lsn::parse),
                    rs.wasNull() ? OptionalInt.empty() : OptionalInt.of(tli)));
        } catch (SQLException e) {
            throw failure("READ_REPLICATION_SLOT " + slot, e);
        }
    }

    /** Creates a physical slot that keeps WAL from now on (RESERVE_WAL). */
    void createSlot(String slot) throws PgException {
        try (Statement st = connection.createStatement()) {
            st.execute("CREATE_REPLICATION_SLOT " + quoted(slot) + " PHYSICAL RESERVE_WAL");
        } catch (SQLException e) {
            throw failure("CREATE_REPLICATION_SLOT " + slot, e);
        }
    }

    /**
     * Starts streaming WAL of timeline {@code tli} from {@code from}, through {@code slot} when
     * given. Nothing is reported flushed until the caller says so.
     */
    PGReplicationStream start(Optional<String> slot, int tli, Lsn from) throws PgException {
        String command = "START_REPLICATION " + slot.map(s -> "SLOT " + quoted(s) + " ").orElse("") + "PHYSICAL "
                + from + " TIMELINE " + tli;
        try {
            CopyOperation op = connection.unwrap(BaseConnection.class).getQueryExecutor().startCopy(command, true);
            if (!(op instanceof CopyDual dual)) {
                op.cancelCopy();
                throw new PgException(command + " on " + target + " did not start a replication stream");
            }
            return new V3PGReplicationStream(dual, LogSequenceNumber.valueOf(from.value()), 1000, false,
                    ReplicationType.PHYSICAL);
        } catch (SQLException e) {
            throw failure(command, e);
        }
    }

    /**
     * Makes {@link PGReplicationStream#readPending} ask the socket only how many bytes wait,
     * where that count is exact (plain TCP), instead of a read that waits up to 1 ms for more.
     * Under load that wait caught each commit's WAL as a message of its own, at some 4,000
     * system calls a second (a count, a read that found nothing, a poll, a read), where polling
     * every few milliseconds drains the same WAL in batches. Over TLS or GSS encryption the
     * count misses bytes still encrypted, and a receiver that sleeps between polls would not
     * see them until it next waits on the socket, so pgjdbc's wait stays; as it does where this
     * pgjdbc keeps its stream elsewhere.
     */
    void pollWithoutWaiting() {
        PGStream pg = pgStream();
        if (pg != null && !(pg.getSocket() instanceof javax.net.ssl.SSLSocket) && !pg.isGssEncrypted()) {
            neverWaitInRead();
        }
    }

    /**
     * For a receiver that waits on the socket itself ({@link #awaitIncoming}) whenever a read
     * finds nothing and it has nothing to store: reads answer at once from what is already
     * there, over any transport. Over TLS such an answer may miss bytes still encrypted; the
     * receiver's next {@link #awaitIncoming} decrypts them as it starts, so nothing waits.
     * Nothing changes where this pgjdbc keeps its stream elsewhere.
     */
    void neverWaitInRead() {
        PGStream pg = pgStream();
        if (pg != null) {
            try {
                // pgjdbc waits on the socket once this time has passed, when nothing is buffered.
                NEXT_WAITING_READ.setLong(pg, Long.MAX_VALUE);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // pgjdbc's own polling
            }
        }
    }

    /**
     * Waits up to {@code maxMillis} for the server to send something, waking as the first byte
     * arrives (one blocking read of the socket, where pg_receivewal waits in select): true when
     * bytes are buffered for the next {@link PGReplicationStream#readPending}. False at the
     * timeout; at once when the connection has ended (the next read or status message says so)
     * or where this pgjdbc keeps its stream elsewhere (the caller then sleeps instead).
     */
    boolean awaitIncoming(int maxMillis) {
        PGStream pg = pgStream();
        if (pg == null) {
            return false;
        }
        try {
            int before = pg.getNetworkTimeout();
            pg.setNetworkTimeout(maxMillis);
            try {
                pg.peekChar(); // consumes nothing
                return true;
            } finally {
                pg.setNetworkTimeout(before);
            }
        } catch (java.io.IOException e) {
            return false; // the timeout, or the connection's end
        }
    }

    private PGStream pgStream;

    private PGStream pgStream() {
        if (pgStream == null && canPollWithoutWaiting()) {
            try {
                Object executor = connection.unwrap(BaseConnection.class).getQueryExecutor();
                if (PG_STREAM.getDeclaringClass().isInstance(executor) && PG_STREAM.get(executor) instanceof PGStream pg) {
                    pgStream = pg;
                }
            } catch (SQLException | ReflectiveOperationException | RuntimeException e) {
                // pgjdbc's own polling
            }
        }
        return pgStream;
    }

    /** Whether this pgjdbc lets {@link #pollWithoutWaiting} and {@link #awaitIncoming} work (else they change nothing). */
    static boolean canPollWithoutWaiting() {
        return PG_STREAM != null && NEXT_WAITING_READ != null && NEXT_WAITING_READ.getType() == long.class;
    }

    private static final java.lang.reflect.Field PG_STREAM = field(org.postgresql.core.QueryExecutorBase.class, "pgStream");
    private static final java.lang.reflect.Field NEXT_WAITING_READ = field(PGStream.class, "nextStreamAvailableCheckTime");

    /** A private field of pgjdbc's, made readable; null where this pgjdbc has no such field. */
    static java.lang.reflect.Field field(Class<?> owner, String name) {
        try {
            java.lang.reflect.Field f = owner.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    private static String quoted(String slot) {
        if (!slot.matches("[a-z0-9_]{1,63}")) {
            // PostgreSQL's own rule for slot names; checked again here because it is sent as is.
            throw new IllegalArgumentException("not a replication slot name: '" + slot
                    + "' (lower-case letters, digits and underscores, at most 63)");
        }
        return slot;
    }

    private PgException failure(String what, SQLException e) {
        return new PgException(what + " on " + target + " failed: " + PgSession.oneLine(e), e);
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // a broken connection: nothing left to close
        }
    }
}
