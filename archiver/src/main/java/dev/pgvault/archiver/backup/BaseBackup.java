package dev.pgvault.archiver.backup;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaMismatchException;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.WalArchive;
import dev.pgvault.archiver.pg.LowLevelBackup;
import dev.pgvault.archiver.pg.PgException;
import dev.pgvault.archiver.pg.PgSession;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.storage.BlobInfo;
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.Progress;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A base backup of the local cluster, run on the database host:
 * <ol>
 * <li>take the stanza's backup lock; check the stanza belongs to this cluster and WAL is archived;
 * <li>pg_backup_start with a fast checkpoint;
 * <li>scan PGDATA and the tablespaces, then read, check, compress and upload the files on
 *     {@code process-max} workers ({@link ParallelCopy}); for a diff or incr ({@link
 *     ParentChoice}), first read the WAL since the parent's start ({@link WalChangeScan}) and
 *     every file ({@link IncrementalPlanner}), and store only what changed;
 * <li>pg_backup_stop, without its wait for archiving; then wait until the start-to-stop segments
 *     are in the repository ({@link #awaitWal});
 * <li>write the manifest, last: until then the backup does not exist.
 * </ol>
 * A failure, or a kill, at any step before the manifest leaves objects without a manifest, which
 * {@link BackupCatalog} does not list; closing the session makes PostgreSQL abort its side.
 */
public final class BaseBackup {
    private final EncodedStore repo;
    private final RepositoryLayout layout;
    private final BackupOptions options;
    private final Consumer<String> progress;
    private final Progress copied;
    private long phaseStart;

    /** {@code progress} hears one line per step, with the time it took (for --verbose). */
    public BaseBackup(EncodedStore repo, RepositoryLayout layout, BackupOptions options, Consumer<String> progress) {
        this(repo, layout, options, progress, Progress.NONE);
    }

    /** {@code copied} hears the bytes and files to copy, then each as it is read and stored. */
    public BaseBackup(EncodedStore repo, RepositoryLayout layout, BackupOptions options, Consumer<String> progress,
            Progress copied) {
        this.repo = repo;
        this.layout = layout;
        this.options = options;
        this.progress = progress;
        this.copied = copied;
    }

    public BaseBackup(EncodedStore repo, RepositoryLayout layout, BackupOptions options) {
        this(repo, layout, options, line -> { });
    }

    private void done(String step) {
        long now = System.nanoTime();
        progress.accept(String.format(Locale.ROOT, "%s (%.2f s)", step, (now - phaseStart) / 1e9));
        phaseStart = now;
    }

    /** Takes the stanza's backup lock ({@link #lock}), backs up, and lets the lock go. */
    public BackupResult run(PgSession pg, Path pgdata) throws IOException, PgException, InterruptedException {
        try (BackupLock lock = lock()) {
            return runLocked(lock, pg, pgdata);
        }
    }

    /** The id a lock holder's text names as the backup it is writing ({@link #holder}), if any. */
    public static java.util.Optional<String> runningId(String holderText) {
        String rest = holderText.startsWith("backup ") ? holderText.substring(7) : "";
        int comma = rest.indexOf(',');
        String id = comma < 0 ? "" : rest.substring(0, comma);
        return BackupId.isWellFormed(id) ? java.util.Optional.of(id) : java.util.Optional.empty();
    }

    /** How a running backup names itself in the lock, with its id once it has one: expire reads it. */
    public static String holder(String id, Instant since) {
        return "backup " + (id == null ? "starting" : id) + ", process " + ProcessHandle.current().pid() + " since " + since;
    }

    /**
     * The stanza's backup lock on this host, which expire takes too: a caller that expires after
     * the backup holds it across both ({@link #runLocked}), so no other backup starts between.
     */
    public BackupLock lock() throws IOException {
        return BackupLock.acquire(BackupLock.lockFile(options.lockDirectory(), layout.stanza(), repo.describe()),
                holder(null, options.clock().instant()));
    }

    /** The backup, by a caller that holds {@link #lock()}; the lock is told the backup's id. */
    public BackupResult runLocked(BackupLock lock, PgSession pg, Path pgdata)
            throws IOException, PgException, InterruptedException {
        long began = System.nanoTime();
        phaseStart = began;
        ClusterIdentity cluster = checkCluster(pg);
        LowLevelBackup low = new LowLevelBackup(pg);
        LowLevelBackup.Settings settings = low.settings();
        if (settings.archiveMode().equals("off")) {
            throw new BackupRefusedException("archive_mode is off on " + pgdata
                    + ": a backup needs its WAL archived; set archive_mode = on and archive_command to pgvault"
                    + " archive-push, restart PostgreSQL, and run 'pgvault check'");
        }

        BackupCatalog catalog = new BackupCatalog(repo, layout);
        ParentChoice choice = ParentChoice.choose(catalog.headers(), options.type(), pg.timeline(), settings.dataChecksums(),
                catalog::read);
        Manifest parent = choice.parent();
        if (choice.notice() != null) {
            progress.accept(choice.notice());
        }
        Instant startTime = startTime(choice.type());
        String id = BackupId.of(startTime, choice.type());
        lock.describe(holder(id, startTime));
        done("backup " + id + ": checked the stanza and the cluster" + (parent == null ? "" : "; building on " + parent.id()));
        Lsn startLsn = low.start("pgvault " + id);
        done("pg_backup_start: start lsn " + startLsn);

        PageChecks checks = settings.dataChecksums() && settings.blockSize() == PageChecksum.PAGE_SIZE
                ? new PageChecks(true, startLsn.value(), settings.blocksPerSegment())
                : PageChecks.off();
        DataDirectoryScan.Result scan = DataDirectoryScan.scan(pgdata, new ExclusionRules(settings.majorVersion()));
        List<CopyTask> tasks;
        List<FileEntry> reused = List.of();
        if (parent == null) {
            tasks = CopyPlanner.plan(scan.files(), options.partSize());
            done("scanned " + pgdata + ": " + scan.files().size() + " files into " + tasks.size() + " objects");
        } else try (WalScanAhead walScan = WalScanAhead.start(() -> WalChangeScan.scan(pgdata,
                new WalArchive(repo, layout, cluster), options.pgBin(), options.lockDirectory(), parent.timeline(),
                parent.startLsn(), startLsn, cluster.walSegmentSize()))) {
            // Without data checksums or wal_log_hints, hint bits and the all-visible flag change a
            // page without a new LSN (a stale PD_ALL_VISIBLE under a set visibility-map bit hides
            // deleted rows from index-only scans): relation files are then compared whole. Only
            // then does the comparison wait for the WAL scan before it starts.
            boolean hintsLogged = settings.dataChecksums()
                    || "on".equals(pg.setting("wal_log_hints")) && !walScan.get().hintsUnlogged();
            boolean pages = settings.blockSize() == PageChecksum.PAGE_SIZE && hintsLogged;
            if (!pages) {
                progress.accept("relation files compared whole, not by page: "
                        + (hintsLogged ? "the block size is not 8 KiB" : "the cluster has neither data checksums nor wal_log_hints"
                        + " on (since " + parent.id() + ")"));
            }
            IncrementalPlanner.Plan plan = IncrementalPlanner.plan(scan.files(), parent, walScan::get,
                    () -> new ChangeFinder(parent.id(), pages ? new PageTrust(parent.startLsn().value(),
                            checks.enabled() ? new PageChecksum() : null) : null,
                            checks.enabled() ? new PageVerifier(new PageChecksum(), checks.startLsn()) : null,
                            settings.blocksPerSegment()),
                    options.processMax(), options.partSize());
            tasks = plan.tasks();
            reused = plan.reused();
            done("read the WAL since " + parent.id() + "'s start (" + walScan.get().describe() + ") and compared "
                    + scan.files().size() + " files with " + parent.id() + ": " + plan.describe());
        }
        String dir = layout.backupDir(id);
        this.copied.total(tasks.stream().mapToLong(CopyTask::plannedBytes).sum(),
                tasks.stream().filter(t -> t.part() == null || t.part().offset() == 0).mapToLong(t -> t.files().size()).sum());
        List<CopyResult> copied = ParallelCopy.run(tasks, options.processMax(),
                () -> new ObjectCopier(repo, dir, checks, options.processMax(), this.copied));
        done("copied the files on " + options.processMax() + " workers");

        LowLevelBackup.Stop stop = low.stop();
        Instant stopTime = options.clock().instant();
        BackupLabel label = BackupLabel.parse(stop.backupLabel());
        String stopWal = low.walFileName(stop.lsn());
        String startWal = label.startWal() != null ? label.startWal() : low.walFileName(startLsn);
        done("pg_backup_stop: stop lsn " + stop.lsn() + ", WAL " + startWal + " to " + stopWal);
        awaitWal(pg, startWal, stopWal, cluster.walSegmentSize());
        done("WAL " + startWal + " to " + stopWal + " is in the repository");

        if (parent != null && label.timeline() != parent.timeline()) {
            throw new BackupRefusedException("the cluster was promoted to timeline " + label.timeline() + " during the backup,"
                    + " away from its parent " + parent.id() + "'s timeline " + parent.timeline() + ": take the backup again");
        }
        Manifest manifest = manifest(id, choice.type(), parent == null ? null : parent.id(), startTime, stopTime, label, stop,
                startWal, stopWal, cluster, settings.dataChecksums(), scan.directories(), copied, reused);
        repo.put(layout.manifestKey(id), BlobWriter.of(ManifestJson.write(manifest)));
        done("wrote the manifest");
        return new BackupResult(manifest, Duration.ofNanos(System.nanoTime() - began), choice.notice());
    }

    private ClusterIdentity checkCluster(PgSession pg) throws IOException, PgException {
        ClusterIdentity stanza = new StanzaStore(repo, layout).requireIdentity();
        ClusterIdentity live = pg.identity();
        if (!stanza.sameClusterAs(live)) {
            throw new StanzaMismatchException("stanza '" + layout.stanza() + "' belongs to system identifier "
                    + stanza.systemIdentifierText() + ", not to this cluster (" + live.systemIdentifierText()
                    + "): check the stanza name in the configuration");
        }
        return live;
    }

    /**
     * Now, as the start of a backup whose id is free; if a backup already took this second's id,
     * waits for the next second.
     */
    private Instant startTime(BackupType type) throws IOException, InterruptedException {
        while (true) {
            Instant now = options.clock().instant();
            if (!exists(BackupId.of(now, type))) {
                return now;
            }
            Thread.sleep(1000 - now.getNano() / 1_000_000 + 1);
        }
    }

    private boolean exists(String id) throws IOException {
        try (Stream<BlobInfo> objects = repo.blobs().list(layout.backupDir(id))) {
            return objects.findAny().isPresent();
        }
    }

    private String archiveHint(PgSession pg) throws PgException {
        String failure = pg.lastArchiveFailure();
        return failure == null
                ? ": is archive_command pgvault archive-push into this repository? (run 'pgvault check')"
                : "; PostgreSQL's last failed archive: " + failure + " (see the server log)";
    }

    /**
     * Returns once every WAL segment from the backup's start to its stop is in the repository.
     *
     * <p>This replaces pg_backup_stop's own wait, as pgBackRest does, and is as safe. PostgreSQL
     * waits until archive_command has succeeded for the stop segment, that is until archive-push
     * has stored it durably; this waits until the repository that restores read holds it, and
     * every segment back to the start one. A segment is visible there a moment before
     * archive-push's last fsync returns: on a journaling filesystem or an object store, the
     * manifest written after it cannot be durable before the segment; on any other, the crash
     * that could lose the segment leaves it marked unarchived in pg_wal, and PostgreSQL pushes it
     * again. The backup history file PostgreSQL also waits for no restore needs (backup_label
     * comes from the manifest). PostgreSQL checks once a second, this every 100 ms: a backup ends
     * about a second sooner.
     */
    private void awaitWal(PgSession pg, String startWal, String stopWal, long segmentSize)
            throws IOException, InterruptedException, PgException {
        List<String> segments = WalArrival.segments(startWal, stopWal, segmentSize);
        try {
            WalArrival.await(repo.blobs(), layout, segments, options.archiveTimeout(), "");
        } catch (WalNotArchivedException e) {
            throw new WalNotArchivedException(e.getMessage() + archiveHint(pg));
        }
    }

    private Manifest manifest(String id, BackupType type, String parentId, Instant startTime, Instant stopTime, BackupLabel label,
            LowLevelBackup.Stop stop, String startWal, String stopWal, ClusterIdentity cluster, boolean checksums,
            List<DirectoryEntry> directories, List<CopyResult> copied, List<FileEntry> reused) {
        List<FileEntry> files = new ArrayList<>(reused);
        List<StoredObject> objects = new ArrayList<>();
        List<CopiedPart> parts = new ArrayList<>();
        for (CopyResult r : copied) {
            if (r.object() != null) {
                objects.add(r.object());
            }
            files.addAll(r.files());
            if (r.part() != null) {
                parts.add(r.part());
            }
        }
        files.addAll(SplitFiles.join(parts));
        files.sort(Comparator.comparing(FileEntry::path));
        objects.sort(Comparator.comparing(StoredObject::key));
        return new Manifest(id, type, parentId, startTime, stopTime, label.startLsn(), stop.lsn(),
                label.timeline(), startWal, stopWal, cluster, checksums, stop.backupLabel(), stop.tablespaceMap(),
                directories, files, objects);
    }
}
