package dev.pgvault.restore.replica;

import dev.pgvault.archiver.pg.PgException;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The primary over JDBC, reached with what the replica's connection string says, read as libpq
 * would: host (or hostaddr; comma lists pair with port lists), port (5432), user (this OS user),
 * dbname (postgres: a physical standby names none), sslmode and the ssl files, connect_timeout,
 * application_name. The password: password=, else the passfile= file, else PGPASSWORD, else
 * PGPASSFILE or ~/.pgpass, as libpq looks them up. Over TCP only: a socket directory is refused.
 */
public final class JdbcPrimary implements Primary {
    private static final Map<String, String> PASSED_ON = Map.of("sslmode", "sslmode", "sslrootcert", "sslrootcert",
            "sslcert", "sslcert", "sslkey", "sslkey", "sslpassword", "sslpassword", "connect_timeout", "connectTimeout",
            "options", "options");

    private final Connection connection;
    private final String where;

    private JdbcPrimary(Connection connection, String where) {
        this.connection = connection;
        this.where = where;
    }

    /** Connects as {@code conninfo} says, with this process's environment and home for the password lookup. */
    public static Primary connect(ConnInfo conninfo) throws PgException {
        return connect(conninfo, System.getenv(), Path.of(System.getProperty("user.home")));
    }

    static Primary connect(ConnInfo ci, Map<String, String> env, Path home) throws PgException {
        List<String> hosts = List.of(ci.get("hostaddr").or(() -> ci.get("host")).orElse("").split(",", -1));
        List<String> ports = List.of(ci.get("port").orElse("5432").split(",", -1));
        if (hosts.stream().anyMatch(h -> h.isBlank() || h.startsWith("/"))) {
            throw new InvalidConnInfoException("--create-slot connects to the primary over TCP: the connection string needs"
                    + " host=... or hostaddr=... naming a host, not a socket directory");
        }
        if (ports.size() != 1 && ports.size() != hosts.size()) {
            throw new InvalidConnInfoException("the connection string names " + hosts.size() + " hosts and " + ports.size() + " ports");
        }
        String user = ci.get("user").orElse(env.getOrDefault("PGUSER", System.getProperty("user.name")));
        String db = ci.get("dbname").filter(d -> !d.isEmpty() && !d.equals("replication")).orElse("postgres");
        StringBuilder url = new StringBuilder("jdbc:postgresql://");
        for (int i = 0; i < hosts.size(); i++) {
            String h = hosts.get(i).strip();
            url.append(i > 0 ? "," : "").append(h.contains(":") ? "[" + h + "]" : h).append(':')
                    .append(ports.get(ports.size() == 1 ? 0 : i).strip());
        }
        url.append('/').append(db);
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("ApplicationName", ci.get("application_name").orElse("pgvault"));
        p.setProperty("connectTimeout", "10");
        PASSED_ON.forEach((key, property) -> ci.get(key).ifPresent(v -> p.setProperty(property, v)));
        try {
            password(ci, env, home, hosts.get(0).strip(), ports.get(0).strip(), db, user).ifPresent(pw -> p.setProperty("password", pw));
        } catch (IOException e) {
            throw new PgException("cannot read the password file for the primary: " + e.getMessage(), e);
        }
        String where = ci.describe();
        try {
            return new JdbcPrimary(DriverManager.getConnection(url.toString(), p), where);
        } catch (SQLException e) {
            throw new PgException("cannot connect to the primary " + where + ": " + oneLine(e), e);
        }
    }

    static Optional<String> password(ConnInfo ci, Map<String, String> env, Path home, String host, String port, String db,
            String user) throws IOException {
        if (ci.get(ConnInfo.PASSWORD).isPresent()) {
            return ci.get(ConnInfo.PASSWORD);
        }
        if (ci.get(ConnInfo.PASSFILE).isPresent()) {
            return PassFile.lookup(Path.of(ci.get(ConnInfo.PASSFILE).get()), host, port, db, user);
        }
        if (env.get("PGPASSWORD") != null) {
            return Optional.of(env.get("PGPASSWORD"));
        }
        Path file = env.get("PGPASSFILE") != null ? Path.of(env.get("PGPASSFILE")) : home.resolve(".pgpass");
        return PassFile.lookup(file, host, port, db, user);
    }

    @Override
    public long systemIdentifier() throws PgException {
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("SELECT system_identifier FROM pg_control_system()")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw failure("read the primary's system identifier", e);
        }
    }

    @Override
    public Optional<Slot> slot(String name) throws PgException {
        try (PreparedStatement st = connection.prepareStatement(
                "SELECT slot_type, active, active_pid FROM pg_replication_slots WHERE slot_name = ?")) {
            st.setString(1, name);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                int pid = rs.getInt(3);
                return Optional.of(new Slot(name, "physical".equals(rs.getString(1)), rs.getBoolean(2), rs.wasNull() ? null : pid));
            }
        } catch (SQLException e) {
            throw failure("read pg_replication_slots", e);
        }
    }

    @Override
    public void createPhysicalSlot(String name) throws PgException, SlotConflictException {
        // immediately_reserve: the primary keeps its WAL from now on, while the replica is restored
        try (PreparedStatement st = connection.prepareStatement("SELECT pg_create_physical_replication_slot(?, true)")) {
            st.setString(1, name);
            st.execute();
        } catch (SQLException e) {
            if ("42710".equals(e.getSQLState())) {
                throw new SlotConflictException("replication slot '" + name + "' was created on the primary " + where
                        + " by someone else meanwhile; nothing was changed");
            }
            throw failure("create replication slot '" + name + "' (needs superuser or the REPLICATION attribute,"
                    + " and max_replication_slots above the slots in use)", e);
        }
    }

    @Override
    public void dropSlot(String name) throws PgException {
        try (PreparedStatement st = connection.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
            st.setString(1, name);
            st.execute();
        } catch (SQLException e) {
            throw failure("drop replication slot '" + name + "'", e);
        }
    }

    private PgException failure(String what, SQLException e) {
        return new PgException("cannot " + what + " on the primary " + where + ": " + oneLine(e), e);
    }

    private static String oneLine(SQLException e) {
        return dev.pgvault.archiver.pg.PgSession.oneLine(e);
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing a broken connection: nothing left to do
        }
    }
}
