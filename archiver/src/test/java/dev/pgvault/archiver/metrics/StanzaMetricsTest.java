package dev.pgvault.archiver.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class StanzaMetricsTest {
    @Test
    void anUnreadableRepositoryStillGivesTheHostsFiguresAndSaysUpZero() {
        Instant t = Instant.parse("2026-12-04T10:00:00.250Z");
        String text = StanzaMetrics.render("ma\"in", null,
                Optional.of(new HostCounters.Snapshot(7, 2, t, t, "000000010000000000000007", 1, Map.of("full", t))),
                OptionalLong.of(3));
        assertEquals("""
                # HELP pgvault_repository_up 1 when the repository was read for these metrics, 0 when it could not be
                # TYPE pgvault_repository_up gauge
                pgvault_repository_up{stanza="ma\\"in"} 0
                # HELP pgvault_archive_push_success_total WAL files archive-push stored from this host
                # TYPE pgvault_archive_push_success_total counter
                pgvault_archive_push_success_total{stanza="ma\\"in"} 7
                # HELP pgvault_archive_push_failures_total archive-push calls and resident pushes that failed on this host
                # TYPE pgvault_archive_push_failures_total counter
                pgvault_archive_push_failures_total{stanza="ma\\"in"} 2
                # HELP pgvault_archive_push_last_success_timestamp_seconds when archive-push last stored a WAL file from this host (Unix time)
                # TYPE pgvault_archive_push_last_success_timestamp_seconds gauge
                pgvault_archive_push_last_success_timestamp_seconds{stanza="ma\\"in"} 1796378400.250
                # HELP pgvault_archive_push_last_failure_timestamp_seconds when an archive-push from this host last failed (Unix time)
                # TYPE pgvault_archive_push_last_failure_timestamp_seconds gauge
                pgvault_archive_push_last_failure_timestamp_seconds{stanza="ma\\"in"} 1796378400.250
                # HELP pgvault_backup_failures_total backups started on this host that failed
                # TYPE pgvault_backup_failures_total counter
                pgvault_backup_failures_total{stanza="ma\\"in"} 1
                # HELP pgvault_backup_last_failure_timestamp_seconds when a backup of this type started on this host last failed (Unix time)
                # TYPE pgvault_backup_last_failure_timestamp_seconds gauge
                pgvault_backup_last_failure_timestamp_seconds{stanza="ma\\"in",type="full"} 1796378400.250
                # HELP pgvault_archive_ready_segments WAL files PostgreSQL has finished and not yet had archived (pg_wal/archive_status/*.ready): the archiver's backlog
                # TYPE pgvault_archive_ready_segments gauge
                pgvault_archive_ready_segments{stanza="ma\\"in"} 3
                """, text);
    }
}
