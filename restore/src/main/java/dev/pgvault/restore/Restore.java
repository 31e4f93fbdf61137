package dev.pgvault.restore;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaMismatchException;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.backup.BackupCatalog;
import dev.pgvault.archiver.backup.FileEntry;
import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.restore.recovery.TargetTime;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A restore of one backup into an empty PGDATA, set up to recover to a target:
 * <ol>
 * <li>choose the backup and check it against the stanza's cluster and itself (nothing written);
 * <li>refuse a non-empty PGDATA or tablespace location (nothing written);
 * <li>create directories, tablespace links and empty files;
 * <li>restore every object on {@code processMax} workers, fsyncing behind them;
 * <li>only then write the files that make the directory startable ({@link RecoveryFiles}).
 * </ol>
 * A failure after step 2 is a {@link RestoreIncompleteException}: the directory stays for
 * inspection, and cannot be started.
 */
public final class Restore {
    private final EncodedStore repo;
    private final RepositoryLayout layout;
    private final int processMax;
    private final Clock clock;

    public Restore(EncodedStore repo, RepositoryLayout layout, int processMax, Clock clock) {
        this.repo = repo;
        this.layout = layout;
        this.processMax = Math.max(1, processMax);
        this.clock = clock;
    }

    /** Steps 1 and 2: the backup to restore and what restoring it does; changes nothing anywhere. */
    public RestorePlan plan(RestoreRequest request) throws IOException {
        Manifest backup = choose(request);
        ClusterIdentity stanza = new StanzaStore(repo, layout).requireIdentity();
        if (!stanza.sameClusterAs(backup.cluster())) {
            throw new StanzaMismatchException("backup " + backup.id() + " is of another cluster than stanza '" + layout.stanza()
                    + "' in " + repo.describe() + ": system identifier " + backup.cluster().systemIdentifierText() + ", PostgreSQL "
                    + backup.cluster().pgVersionNum() + "; the stanza's cluster is " + stanza.systemIdentifierText()
                    + ", PostgreSQL " + stanza.pgVersionNum());
        }
        RestorePlan plan = RestorePlan.of(backup);
        DataDirectory.check(request.pgdata(), "PGDATA");
        TablespaceLinks.check(plan.tablespaceLinks(), request.pgdata());
        return plan;
    }

    public RestoreResult run(RestoreRequest request) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        RestorePlan plan = plan(request);
        Path pgdata = request.pgdata().toAbsolutePath();
        Manifest backup = plan.manifest();
        List<String> settings = RecoveryConfig.lines(request.recovery(), request.restoreCommand());
        DataDirectory.prepare(pgdata, plan.rootMode() == 0 ? Modes.OWNER_ONLY_DIR : Modes.pgDirectory(plan.rootMode()));
        try (FileSyncer syncer = new FileSyncer(processMax)) {
            DirectoryEntries.create(plan, pgdata);
            String backupDir = layout.backupDir(backup.id());
            ParallelRestore.run(plan.objects(), processMax,
                    (cancelled, name) -> new ObjectRestorer(repo, backupDir, pgdata, syncer, cancelled, name),
                    () -> createEmptyFiles(plan, pgdata));
            syncer.awaitAll();
            DirectoryEntries.applyModes(plan, pgdata);
            DirectoryEntries.syncAll(plan, pgdata);
            RecoveryFiles.write(pgdata, backup, settings, "recovery settings written by pgvault restore of backup "
                    + backup.id() + " at " + TargetTime.format(clock.instant()));
        } catch (IOException | RuntimeException e) {
            throw new RestoreIncompleteException(pgdata, e);
        }
        return new RestoreResult(backup.id(), pgdata, plan.fileCount(), plan.byteCount(),
                Duration.ofNanos(System.nanoTime() - t0), settings, plan.skipped());
    }

    private static void createEmptyFiles(RestorePlan plan, Path pgdata) throws IOException {
        for (FileEntry f : plan.emptyFiles()) {
            Path file = pgdata.resolve(RestorePlan.writePath(f.path()));
            DirectoryEntries.createParent(file);
            Files.newByteChannel(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    Modes.attribute(Modes.OWNER_ONLY_FILE)).close();
            Files.setPosixFilePermissions(file, Modes.of(f.mode()));
            Files.setLastModifiedTime(file, FileTime.from(f.mtime(), TimeUnit.SECONDS));
        }
    }

    private Manifest choose(RestoreRequest request) throws IOException {
        BackupCatalog catalog = new BackupCatalog(repo, layout);
        if (request.backupId() != null) {
            Manifest named = catalog.find(request.backupId()).orElseThrow(() -> new UnknownBackupException(
                    "no backup '" + request.backupId() + "' in stanza '" + layout.stanza() + "' (" + repo.describe() + ")"));
            return BackupChooser.check(named, request.recovery().target());
        }
        List<Manifest> backups = catalog.backups();
        if (backups.isEmpty()) {
            throw new NoBackupForTargetException("stanza '" + layout.stanza() + "' in " + repo.describe()
                    + " has no backups: run 'pgvault backup' first");
        }
        return BackupChooser.choose(backups, request.recovery().target());
    }
}
