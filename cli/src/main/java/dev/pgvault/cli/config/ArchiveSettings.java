package dev.pgvault.cli.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code archive:} section: asynchronous archiving through a resident process and a spool.
 *
 * @param async push and get through the resident archiver (archive_command and restore_command
 *     stay as they are)
 * @param spool where it records its work; a directory the PostgreSQL user owns
 * @param pushMax segments pushed at once ahead of PostgreSQL
 * @param getAhead segments fetched ahead during recovery
 * @param idleExit how long the resident archiver waits for work before it exits
 * @param stream how {@code wal-receive} streams WAL into the repository
 */
public record ArchiveSettings(boolean async, Path spool, int pushMax, int getAhead, Duration idleExit,
        StreamSettings stream) {
    public static final Path DEFAULT_SPOOL = Path.of("/var/spool/pgvault");
    public static final ArchiveSettings SYNCHRONOUS = new ArchiveSettings(false, DEFAULT_SPOOL, 4, 16,
            Duration.ofSeconds(60), StreamSettings.DEFAULT);

    /**
     * The {@code archive.stream-*} keys.
     *
     * @param flush how often the segment in progress is stored ({@code stream-flush}, seconds)
     * @param sync every chunk durable before PostgreSQL hears it was flushed ({@code stream-sync})
     * @param name the {@code application_name} the receiver connects with ({@code stream-name}),
     *     empty for the default ({@code ha.name} in an HA cluster, else "pgvault")
     * @param syncTimeout how long a synchronous receiver may be held by one store before it
     *     drops its connection, so commits stop waiting on it ({@code stream-sync-timeout}, seconds)
     */
    public record StreamSettings(Duration flush, boolean sync, Optional<String> name, Duration syncTimeout) {
        public static final StreamSettings DEFAULT = new StreamSettings(Duration.ofSeconds(1), false, Optional.empty(),
                Duration.ofSeconds(10));
    }
}
