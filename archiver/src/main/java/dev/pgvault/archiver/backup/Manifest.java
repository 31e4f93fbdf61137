package dev.pgvault.archiver.backup;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.wal.Lsn;
import java.time.Instant;
import java.util.List;

/**
 * Everything known about one backup. Written last, after every data object: a backup without a
 * manifest does not exist.
 *
 * @param id e.g. "20261126-031500F": sorts by start time
 * @param parent the backup this one depends on, or null for a full backup
 * @param startWal the WAL segment holding {@code startLsn}; recovery needs every segment from it
 *     to {@code stopWal} on {@code timeline}
 * @param backupLabel the text pg_backup_stop returned, written as PGDATA/backup_label on restore
 * @param tablespaceMap pg_backup_stop's tablespace_map text, or null when there are none
 */
public record Manifest(
        String id,
        BackupType type,
        String parent,
        Instant startTime,
        Instant stopTime,
        Lsn startLsn,
        Lsn stopLsn,
        int timeline,
        String startWal,
        String stopWal,
        ClusterIdentity cluster,
        boolean pageChecksums,
        String backupLabel,
        String tablespaceMap,
        List<DirectoryEntry> directories,
        List<FileEntry> files,
        List<StoredObject> objects) implements BackupStop {

    public Manifest {
        directories = List.copyOf(directories);
        files = List.copyOf(files);
        objects = List.copyOf(objects);
    }

    /**
     * This manifest with other directories and tablespace_map text: a restore that places the
     * tablespaces elsewhere.
     */
    public Manifest withTablespaces(List<DirectoryEntry> directories, String tablespaceMap) {
        return new Manifest(id, type, parent, startTime, stopTime, startLsn, stopLsn, timeline, startWal, stopWal, cluster,
                pageChecksums, backupLabel, tablespaceMap, directories, files, objects);
    }

    /** What {@link BackupCatalog#headers} reads of this manifest. */
    public BackupHeader header() {
        return new BackupHeader(id, type, parent, startTime, stopTime, startLsn, stopLsn, timeline, startWal, stopWal, cluster,
                pageChecksums, totals());
    }

    /** The sums over its lists, as {@link ManifestJson#write} records them in the header. */
    public BackupTotals totals() {
        return new BackupTotals(sizeBytes(), storedBytes(), badPageCount());
    }

    /** Bytes the backup occupies in the repository. */
    public long storedBytes() {
        long n = 0;
        for (StoredObject o : objects) {
            n += o.storedSize();
        }
        return n;
    }

    /** Plain bytes of every file. */
    public long sizeBytes() {
        long n = 0;
        for (FileEntry f : files) {
            n += f.size();
        }
        return n;
    }

    public long badPageCount() {
        long n = 0;
        for (FileEntry f : files) {
            n += f.badPages().size();
        }
        return n;
    }
}
