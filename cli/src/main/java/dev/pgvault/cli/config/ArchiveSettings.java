package dev.pgvault.cli.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code archive:} section: asynchronous archiving through a resident process and a spool.
 *
 * @param async push and get through the resident archiver (archive_command and restore_command
 *     stay as they are)
 * @param spool where it records its work; a directory the PostgreSQL user owns
 * @param pushMax segments pushed at once ahead of PostgreSQL
 * @param getAhead segments fetched ahead during recovery
 * @param idleExit how long the resident archiver waits for work before it exits
 */
public record ArchiveSettings(boolean async, Path spool, int pushMax, int getAhead, Duration idleExit) {
    public static final Path DEFAULT_SPOOL = Path.of("/var/spool/pgvault");
    public static final ArchiveSettings SYNCHRONOUS = new ArchiveSettings(false, DEFAULT_SPOOL, 4, 16,
            Duration.ofSeconds(60));
}
