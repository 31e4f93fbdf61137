package dev.pgvault.archiver.backup;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.wal.Lsn;
import java.time.Instant;

/**
 * A backup's manifest without its directories, files and objects: what a restore compares to
 * choose a backup and walk its chain, a backup to choose its parent, or retention what to keep,
 * parsed from the start of each manifest only ({@link BackupCatalog#headers}). The manifests of the backups chosen are
 * then parsed whole.
 *
 * @param totals the sums over the lists the header records, or null when the manifest does not
 *     record them (written before they were): a whole read gives them ({@link Manifest#totals})
 */
public record BackupHeader(String id, BackupType type, String parent, Instant startTime, Instant stopTime, Lsn startLsn,
        Lsn stopLsn, int timeline, String startWal, String stopWal, ClusterIdentity cluster, boolean pageChecksums,
        BackupTotals totals) implements BackupStop {}
