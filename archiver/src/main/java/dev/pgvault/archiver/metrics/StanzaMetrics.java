package dev.pgvault.archiver.metrics;

import dev.pgvault.archiver.backup.BackupType;
import dev.pgvault.archiver.backup.BackupHeader;
import dev.pgvault.archiver.stream.ReceiverStatus;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A stanza's backup and archiving metrics, from the repository ({@link RepositoryFigures}, null
 * when it could not be read) and from this host ({@link HostCounters}, the {@code .ready}
 * segments PostgreSQL is waiting to have archived). The names are an interface: dashboards and
 * alerts depend on them.
 */
public final class StanzaMetrics {
    private StanzaMetrics() {}

    public static String render(String stanza, RepositoryFigures repo, Optional<HostCounters.Snapshot> host,
            OptionalLong readySegments) {
        MetricsText t = new MetricsText();
        Map<String, String> s = Map.of("stanza", stanza);
        t.gauge("pgvault_repository_up", "1 when the repository was read for these metrics, 0 when it could not be",
                s, repo == null ? "0" : "1");
        if (repo != null) {
            t.gauge("pgvault_backups", "complete backups in the repository, of every type", s,
                    Long.toString(repo.backups().size()));
            for (BackupType type : BackupType.values()) {
                BackupHeader last = repo.newestOfType().get(type);
                if (last == null) {
                    continue;
                }
                Map<String, String> st = typed(stanza, type.word());
                t.gauge("pgvault_backup_last_success_timestamp_seconds",
                        "when the newest complete backup of this type ended (Unix time)", st, MetricsText.seconds(last.stopTime()));
                t.gauge("pgvault_backup_last_duration_seconds", "how long the newest complete backup of this type took", st,
                        MetricsText.seconds(Duration.between(last.startTime(), last.stopTime())));
                t.gauge("pgvault_backup_last_size_bytes",
                        "bytes the newest complete backup of this type stored in the repository (compressed, its own objects)",
                        st, Long.toString(last.totals().storedBytes()));
                t.gauge("pgvault_backup_last_database_size_bytes",
                        "bytes of the cluster the newest complete backup of this type restores", st, Long.toString(last.totals().sizeBytes()));
            }
            t.gauge("pgvault_wal_archived_segments", "archived WAL segments in the repository", s, Long.toString(repo.walSegments()));
            if (repo.newestWalStored() != null) {
                t.gauge("pgvault_wal_archived_newest_timestamp_seconds",
                        "when the highest archived WAL segment (" + "newest timeline, then position) was stored (Unix time)",
                        s, MetricsText.seconds(repo.newestWalStored()));
                t.gauge("pgvault_wal_archived_oldest_timestamp_seconds",
                        "when the lowest archived WAL segment was stored (Unix time)", s, MetricsText.seconds(repo.oldestWalStored()));
            }
            t.gauge("pgvault_repository_stored_bytes", "bytes every object of the stanza takes in the repository", s,
                    Long.toString(repo.storedBytes()));
            for (ReceiverStatus r : repo.receivers()) {
                Map<String, String> rl = new LinkedHashMap<>();
                rl.put("stanza", stanza);
                rl.put("name", r.name());
                t.gauge("pgvault_wal_receive_lag_bytes",
                        "bytes of the server's WAL wal-receive had not yet made durable in the repository, as of its last status",
                        rl, Long.toString(r.lagBytes()));
                t.gauge("pgvault_wal_receive_connected", "1 when wal-receive was streaming at its last status", rl,
                        r.connected() ? "1" : "0");
                t.gauge("pgvault_wal_receive_status_timestamp_seconds",
                        "when wal-receive last stored its status (every 10 s while it runs; Unix time)", rl,
                        MetricsText.seconds(r.updated()));
            }
        }
        host.ifPresent(h -> {
            t.counter("pgvault_archive_push_success_total", "WAL files archive-push stored from this host", s,
                    Long.toString(h.pushSuccesses()));
            t.counter("pgvault_archive_push_failures_total", "archive-push calls and resident pushes that failed on this host",
                    s, Long.toString(h.pushFailures()));
            if (h.lastPushSuccess() != null) {
                t.gauge("pgvault_archive_push_last_success_timestamp_seconds",
                        "when archive-push last stored a WAL file from this host (Unix time)", s,
                        MetricsText.seconds(h.lastPushSuccess()));
            }
            if (h.lastPushFailure() != null) {
                t.gauge("pgvault_archive_push_last_failure_timestamp_seconds",
                        "when an archive-push from this host last failed (Unix time)", s, MetricsText.seconds(h.lastPushFailure()));
            }
            t.counter("pgvault_backup_failures_total", "backups started on this host that failed", s,
                    Long.toString(h.backupFailures()));
            h.lastBackupFailure().forEach((type, at) -> t.gauge("pgvault_backup_last_failure_timestamp_seconds",
                    "when a backup of this type started on this host last failed (Unix time)", typed(stanza, type),
                    MetricsText.seconds(at)));
        });
        readySegments.ifPresent(n -> t.gauge("pgvault_archive_ready_segments",
                "WAL files PostgreSQL has finished and not yet had archived (pg_wal/archive_status/*.ready): the archiver's backlog",
                s, Long.toString(n)));
        return t.text();
    }

    private static Map<String, String> typed(String stanza, String type) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("stanza", stanza);
        m.put("type", type);
        return m;
    }
}
