package dev.pgvault.restore.replica;

import dev.pgvault.archiver.pg.PgException;
import java.util.Optional;

/** The primary a replica will stream from, as replica bootstrap needs it: its identity and its replication slots. */
public interface Primary extends AutoCloseable {

    /** A replication slot as pg_replication_slots shows it. */
    record Slot(String name, boolean physical, boolean active, Integer activePid) {}

    /** Opens a connection to the primary a connection string names. */
    @FunctionalInterface
    interface Connector {
        Primary open(ConnInfo conninfo) throws PgException;
    }

    long systemIdentifier() throws PgException;

    Optional<Slot> slot(String name) throws PgException;

    /** Creates a physical slot that reserves WAL from now on; a slot of that name made meanwhile is a {@link SlotConflictException}. */
    void createPhysicalSlot(String name) throws PgException, SlotConflictException;

    void dropSlot(String name) throws PgException;

    @Override
    void close();
}
