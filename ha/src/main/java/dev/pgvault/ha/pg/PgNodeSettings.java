package dev.pgvault.ha.pg;

import dev.pgvault.archiver.pg.PgTarget;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What {@link PostgresNode} needs to run its node's PostgreSQL.
 *
 * @param dataDirectory PGDATA
 * @param bin PostgreSQL's programs (/usr/lib/postgresql/15/bin)
 * @param memberName this node's member name: cluster_name, and the application_name it streams with
 * @param listenAddresses listen_addresses
 * @param port the port PostgreSQL listens on
 * @param socketDirectory unix_socket_directories, null to keep PostgreSQL's default
 * @param local how the agent connects to its own PostgreSQL over TCP (and the user other nodes
 *     replicate and rewind with); the password, if any, comes from PGPASSWORD or ~/.pgpass
 * @param parameters the configuration's pg.parameters, written last so they win
 * @param archiveCommand archive_command, ready for postgresql.conf's string syntax (shell-quoted by the caller)
 * @param restoreCommand restore_command, likewise
 * @param logFile the server log pg_ctl sends the postmaster's output to
 * @param commandPrefix put before every PostgreSQL program: empty when the agent runs as the
 *     cluster's owner, {@code runuser -u postgres --} when it runs as root (tests): PostgreSQL refuses root
 */
public record PgNodeSettings(Path dataDirectory, Path bin, String memberName, String listenAddresses, int port,
        Path socketDirectory, PgTarget local, Map<String, String> parameters, String archiveCommand,
        String restoreCommand, Path logFile, List<String> commandPrefix) {
    /** A GUC name as postgresql.conf accepts it; anything else would corrupt the file we write. */
    private static final Pattern SETTING_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");

    public PgNodeSettings {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        commandPrefix = List.copyOf(commandPrefix);
        for (String name : parameters.keySet()) {
            if (!SETTING_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("pg.parameters: '" + name + "' is not a PostgreSQL setting name");
            }
        }
    }
}
