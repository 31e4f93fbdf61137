package dev.pgvault.archiver.pg;

/** How to reach a PostgreSQL server over TCP. The password, if any, comes from PGPASSWORD or ~/.pgpass. */
public record PgTarget(String host, int port, String user, String database) {

    @Override
    public String toString() {
        return user + "@" + host + ":" + port + "/" + database;
    }
}
