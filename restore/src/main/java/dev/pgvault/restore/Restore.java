package dev.pgvault.restore;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaMismatchException;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.backup.BackupCatalog;
import dev.pgvault.archiver.backup.BackupHeader;
import dev.pgvault.archiver.backup.BackupStop;
import dev.pgvault.archiver.backup.FileEntry;
import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.restore.recovery.RecoveryTarget;
import dev.pgvault.restore.recovery.TargetTime;
import dev.pgvault.storage.Progress;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A restore of one backup into an empty PGDATA, set up to start as its {@link RecoverySetup} says
 * (recover to a target, or run as a standby):
 * <ol>
 * <li>choose the backup and check it against the stanza's cluster and itself (nothing written);
 * <li>refuse a non-empty PGDATA or tablespace location (nothing written);
 * <li>create directories, tablespace links and empty files;
 * <li>restore every object on {@code processMax} workers, fsyncing behind them;
 * <li>only then write the files that make the directory startable ({@link RecoveryFiles}).
 * </ol>
 * Steps 1-2 are {@link #plan}, 3-5 {@link #run(RestorePlan, Path, RecoverySetup)}: a caller may
 * act between them (replica bootstrap creates its replication slot there).
 * A failure after step 2 is a {@link RestoreIncompleteException}: the directory stays for
 * inspection, and cannot be started.
 */
public final class Restore {
    private final EncodedStore repo;
    private final RepositoryLayout layout;
    private final int processMax;
    private final Clock clock;

    private final Progress progress;
    /**
     * The manifests the last {@link #plan} read, by id: a delta restore with {@code --trust-times}
     * looks up the backup its directory holds among them instead of reading that manifest again
     * (some 8 ms of a 0.4 s delta). Manifests never change once written.
     */
    private Map<String, Manifest> planned = Map.of();

    public Restore(EncodedStore repo, RepositoryLayout layout, int processMax, Clock clock) {
        this(repo, layout, processMax, clock, Progress.NONE);
    }

    /** {@code progress} hears the bytes and files to restore, then each as it is written. */
    public Restore(EncodedStore repo, RepositoryLayout layout, int processMax, Clock clock, Progress progress) {
        this.repo = repo;
        this.layout = layout;
        this.processMax = Math.max(1, processMax);
        this.clock = clock;
        this.progress = progress;
    }

    /** Steps 1 and 2: the backup to restore and what restoring it does; changes nothing anywhere. */
    public RestorePlan plan(RestoreRequest request) throws IOException {
        return plan(request.pgdata(), request.backupId(), request.recovery().target(), request.delta(), request.tablespaces(),
                request.configuredPgdata());
    }

    /** Steps 1 and 2 for a restore into a missing or empty {@code pgdata}. */
    public RestorePlan plan(Path pgdata, String backupId, RecoveryTarget target) throws IOException {
        return plan(pgdata, backupId, target, false, TablespaceRemap.NONE);
    }

    /**
     * Steps 1 and 2 for any restore: {@code backupId}, or the newest backup that can reach
     * {@code target}, checked against the stanza; {@code pgdata} and the tablespace locations
     * checked to be missing or empty, or with {@code delta} {@code pgdata} checked to be a
     * stopped data directory; the tablespaces placed where {@code tablespaces} says, and none in
     * a running cluster's files; refused beside a running cluster of the backup's with a
     * tablespace the backup lacks ({@link SameHostOriginal}). Changes nothing anywhere.
     */
    public RestorePlan plan(Path pgdata, String backupId, RecoveryTarget target, boolean delta, TablespaceRemap tablespaces)
            throws IOException {
        return plan(pgdata, backupId, target, delta, tablespaces, null);
    }

    /**
     * {@link #plan(Path, String, RecoveryTarget, boolean, TablespaceRemap)}, also refused beside
     * {@code configuredPgdata} (the configuration's own data directory, running or not; null for
     * none) when it is the backup's cluster with a tablespace the backup lacks.
     */
    public RestorePlan plan(Path pgdata, String backupId, RecoveryTarget target, boolean delta, TablespaceRemap tablespaces,
            Path configuredPgdata) throws IOException {
        // the look at this host's running clusters costs some 25 ms in a fresh JVM: taken meanwhile
        CompletableFuture<List<RunningClusters.Postmaster>> looking = CompletableFuture.supplyAsync(
                () -> RunningClusters.besides(pgdata));
        // Every backup's header to choose one (each manifest's checksum checked, its lists not
        // parsed), then the chosen one's chain read whole: a repository keeping weeks of backups
        // would otherwise have every file list read for one restore, and a restore need not fail
        // on the lists of a backup it does not use.
        BackupCatalog catalog = new BackupCatalog(repo, layout);
        List<BackupHeader> backups = catalog.headers(BackupCatalog.Rest.CHECKSUMMED);
        BackupHeader chosenHeader = choose(backups, backupId, target);
        Map<String, Manifest> byId = chain(catalog, chosenHeader, backups);
        Manifest chosen = byId.get(chosenHeader.id());
        checkReachPastPinned(chosen, backups, target, catalog);
        ClusterIdentity stanza = new StanzaStore(repo, layout).requireIdentity();
        if (!stanza.sameClusterAs(chosen.cluster())) {
            throw new StanzaMismatchException("backup " + chosen.id() + " is of another cluster than stanza '" + layout.stanza()
                    + "' in " + repo.describe() + ": system identifier " + chosen.cluster().systemIdentifierText() + ", PostgreSQL "
                    + chosen.cluster().pgVersionNum() + "; the stanza's cluster is " + stanza.systemIdentifierText()
                    + ", PostgreSQL " + stanza.pgVersionNum());
        }
        List<RunningClusters.Postmaster> running = joined(looking);
        SameHostOriginal.check(chosen, running, configuredPgdata, pgdata);
        Manifest backup = tablespaces.applyTo(chosen);
        RestorePlan plan = RestorePlan.of(backup, byId);
        planned = Map.copyOf(byId);
        if (delta) {
            DataDirectory.checkForDelta(pgdata, plan, running);
        } else {
            DataDirectory.check(pgdata, "PGDATA");
            TablespaceLinks.check(plan.tablespaceLinks(), pgdata, running);
        }
        return plan;
    }

    /** What {@code looking} found; its failure thrown as it was thrown there. */
    private static List<RunningClusters.Postmaster> joined(CompletableFuture<List<RunningClusters.Postmaster>> looking) {
        try {
            return looking.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** A plan made ready to run over an existing data directory, and what the delta found there. */
    public record DeltaPlan(RestorePlan plan, DeltaSummary summary) {}

    /**
     * Between {@link #plan} (made with {@code delta}) and {@link #run(RestorePlan, Path, RecoverySetup)}:
     * makes the stopped data directory unstartable, removes what the backup does not hold, and
     * reduces the plan to what differs ({@link DeltaSync}). A failure leaves a directory
     * PostgreSQL refuses to start, which the next delta restore finishes.
     */
    public DeltaPlan prepareDelta(RestorePlan plan, Path pgdata) throws IOException, InterruptedException {
        return prepareDelta(plan, pgdata, false);
    }

    /**
     * {@link #prepareDelta(RestorePlan, Path)}; with {@code trustTimes}, the files the last
     * finished restore into {@code pgdata} left untouched are judged from that backup's manifest
     * without being read ({@link RestoredCopy}).
     */
    public DeltaPlan prepareDelta(RestorePlan plan, Path pgdata, boolean trustTimes) throws IOException, InterruptedException {
        // found before the delta deletes backup_label, which names the backup the directory holds
        RestoredCopy copy = trustTimes ? RestoredCopy.find(pgdata.toAbsolutePath(), this::manifest, plan.manifest())
                : RestoredCopy.NONE;
        try {
            DeltaSync.Result d = DeltaSync.apply(plan, pgdata.toAbsolutePath(), processMax, copy);
            return new DeltaPlan(d.plan(), d.summary());
        } catch (IOException | RuntimeException e) {
            throw new RestoreIncompleteException(pgdata.toAbsolutePath(), e);
        }
    }

    /** Backup {@code id}'s manifest: as {@link #plan} read it, else from the repository. */
    private Optional<Manifest> manifest(String id) throws IOException {
        Manifest read = planned.get(id);
        return read != null ? Optional.of(read) : new BackupCatalog(repo, layout).find(id);
    }

    /** A point-in-time restore: {@link #plan}, then {@link #run(RestorePlan, Path, RecoverySetup)} with recovery.signal. */
    public RestoreResult run(RestoreRequest request) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        RestorePlan plan = plan(request);
        RecoverySetup setup = RecoverySetup.recovery(RecoveryConfig.lines(request.recovery(), request.restoreCommand(),
                request.archiveMode()));
        DeltaSummary delta = null;
        if (request.delta()) {
            DeltaPlan d = prepareDelta(plan, request.pgdata(), request.trustTimes());
            plan = d.plan();
            delta = d.summary();
        }
        RestoreResult r = run(plan, request.pgdata(), setup);
        return new RestoreResult(r.backupId(), r.pgdata(), r.files(), r.bytes(), Duration.ofNanos(System.nanoTime() - t0),
                r.settings(), r.skipped(), delta);
    }

    /**
     * Steps 3 to 5 of a {@code plan} made for {@code pgdata}: every file restored and checked,
     * then {@code setup} written last. The restore half shared by restore and replica bootstrap.
     */
    public RestoreResult run(RestorePlan plan, Path pgdataGiven, RecoverySetup setup) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Path pgdata = pgdataGiven.toAbsolutePath();
        Manifest backup = plan.manifest();
        DataDirectory.prepare(pgdata, plan.rootMode() == 0 ? Modes.OWNER_ONLY_DIR : Modes.pgDirectory(plan.rootMode()));
        try (FileSyncer syncer = new FileSyncer(processMax)) {
            DirectoryEntries.create(plan, pgdata);
            createSplitFiles(plan, pgdata);
            SplitFileProgress splitFiles = new SplitFileProgress(plan.objects());
            progress.total(plan.objects().stream().mapToLong(ObjectRestorer::bytesOf).sum(), plan.fileCount());
            ParallelRestore.run(plan.objects(), processMax,
                    (cancelled, name) -> new ObjectRestorer(repo, layout, pgdata, plan.patched(), syncer, splitFiles,
                            cancelled, name, progress),
                    () -> {
                        createEmptyFiles(plan, pgdata);
                        progress.add(0, plan.emptyFiles().size());
                    });
            syncer.awaitAll();
            PagePatcher.apply(plan.pagedFiles(), repo, layout, backup.id(), pgdata, processMax);
            DirectoryEntries.applyModes(plan, pgdata);
            DirectoryEntries.syncAll(plan, pgdata);
            RecoveryFiles.write(pgdata, backup, setup, (setup.signal() == RecoverySetup.Signal.STANDBY ? "standby" : "recovery")
                    + " settings written by " + setup.writtenBy() + " of backup " + backup.id() + " at "
                    + TargetTime.format(clock.instant()));
        } catch (IOException | RuntimeException e) {
            throw new RestoreIncompleteException(pgdata, e);
        }
        return new RestoreResult(backup.id(), pgdata, plan.fileCount(), plan.byteCount(),
                Duration.ofNanos(System.nanoTime() - t0), setup.settings(), plan.skipped());
    }

    /** Split files exist before their parts are written into them, by whichever worker comes first. */
    private static void createSplitFiles(RestorePlan plan, Path pgdata) throws IOException {
        for (FileEntry f : plan.splitFiles()) {
            if (!plan.patched().contains(f.path())) {
                createOwnerOnly(pgdata, f);
            }
        }
    }

    /** Creates {@code f}'s file, empty and readable by its owner only; it must not exist yet. */
    private static Path createOwnerOnly(Path pgdata, FileEntry f) throws IOException {
        Path file = pgdata.resolve(RestorePlan.writePath(f.path()));
        DirectoryEntries.createParent(file);
        Files.newByteChannel(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                Modes.attribute(Modes.OWNER_ONLY_FILE)).close();
        return file;
    }

    private static void createEmptyFiles(RestorePlan plan, Path pgdata) throws IOException {
        for (FileEntry f : plan.emptyFiles()) {
            Path file = createOwnerOnly(pgdata, f);
            Files.setPosixFilePermissions(file, Modes.of(f.mode()));
            Files.setLastModifiedTime(file, FileTime.from(f.mtime(), TimeUnit.SECONDS));
        }
    }

    /**
     * {@code chosen}'s manifest and those of the backups it builds on, read whole, by id: what its
     * restore takes files from. A parent missing from the repository ends the walk; the plan then
     * names what it lacks. A backup a file names outside that chain (no pgvault writes one) is read
     * too, so that the plan refuses it as not of the chain rather than as missing.
     */
    private static Map<String, Manifest> chain(BackupCatalog catalog, BackupHeader chosen, List<BackupHeader> backups)
            throws IOException {
        Set<String> complete = new HashSet<>();
        backups.forEach(b -> complete.add(b.id()));
        Map<String, Manifest> byId = new HashMap<>();
        for (String id = chosen.id(); id != null && complete.contains(id) && !byId.containsKey(id); ) {
            Manifest m = catalog.read(id);
            byId.put(id, m);
            id = m.parent();
        }
        for (FileEntry f : byId.get(chosen.id()).files()) {
            List<String> named = new java.util.ArrayList<>();
            named.add(f.backup());
            named.add(f.base() == null ? null : f.base().backup());
            f.pages().forEach(r -> named.add(r.backup()));
            for (String id : named) {
                if (id != null && complete.contains(id) && !byId.containsKey(id)) {
                    byId.put(id, catalog.read(id));
                }
            }
        }
        return byId;
    }

    private BackupHeader choose(List<BackupHeader> backups, String backupId, RecoveryTarget target) throws IOException {
        BackupHeader chosen;
        if (backupId != null) {
            BackupHeader named = backups.stream().filter(b -> b.id().equals(backupId)).findFirst().orElseThrow(
                    () -> new UnknownBackupException("no backup '" + backupId + "' in stanza '" + layout.stanza() + "' ("
                            + repo.describe() + ")"));
            chosen = BackupChooser.check(named, target);
        } else if (backups.isEmpty()) {
            throw new NoBackupForTargetException("stanza '" + layout.stanza() + "' in " + repo.describe()
                    + " has no backups: run 'pgvault backup' first");
        } else {
            chosen = BackupChooser.choose(backups, target);
        }
        return chosen;
    }

    /**
     * A pinned backup that is not the newest may have lost the WAL after its stop to expire: a
     * target past its end is then out of its reach, whatever the chooser's times say. Refused
     * here, before anything is written, naming the next moment a restore can reach.
     */
    private void checkReachPastPinned(Manifest chosen, List<BackupHeader> backups, RecoveryTarget target,
            BackupCatalog catalog) throws IOException {
        boolean pastEnd = target instanceof RecoveryTarget.Time || target instanceof RecoveryTarget.AtLsn;
        BackupHeader newest = backups.stream().max(BackupStop.BY_STOP).orElseThrow(); // chosen is one of them
        if (!pastEnd || chosen.id().equals(newest.id()) || !catalog.pinned().contains(chosen.id())) {
            return;
        }
        long segmentSize = new StanzaStore(repo, layout).requireIdentity().walSegmentSize();
        if (WalAfterStop.archived(repo, layout, chosen, segmentSize)) {
            return;
        }
        BackupHeader next = backups.stream().filter(b -> BackupStop.BY_STOP.compare(b, chosen) > 0).min(BackupStop.BY_STOP)
                .orElse(newest);
        throw new NoBackupForTargetException("no backup can reach " + target.describe() + ": backup " + chosen.id()
                + " is pinned and restores only to its end, " + TargetTime.format(chosen.stopTime()) + " (LSN "
                + chosen.stopLsn() + "; the WAL after it is not archived, as expire removes it past a pinned backup);"
                + " the next moment a restore can reach is " + TargetTime.format(next.stopTime()) + " (LSN "
                + next.stopLsn() + "), the end of backup " + next.id());
    }
}
