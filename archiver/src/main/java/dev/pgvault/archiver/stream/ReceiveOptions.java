package dev.pgvault.archiver.stream;

import java.time.Duration;
import java.util.Optional;

/**
 * How {@code wal-receive} streams.
 *
 * @param slot the physical replication slot to stream through, if any
 * @param createSlot create the slot when it does not exist
 * @param synchronous every chunk durable in the repository before its flush is reported
 * @param flushInterval how often the segment in progress is stored when not synchronous
 * @param applicationName the connection's application_name, as synchronous_standby_names names it
 * @param syncTimeout when synchronous: how long one turn of the receive loop (in practice, one
 *     store) may take before the receiver drops its connection, so that commits stop waiting on
 *     a repository that hangs
 */
public record ReceiveOptions(Optional<String> slot, boolean createSlot, boolean synchronous, Duration flushInterval,
        String applicationName, Duration syncTimeout) {}
