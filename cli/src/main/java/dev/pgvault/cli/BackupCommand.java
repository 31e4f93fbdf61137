package dev.pgvault.cli;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.backup.BackupLock;
import dev.pgvault.archiver.backup.BackupOptions;
import dev.pgvault.archiver.backup.BackupResult;
import dev.pgvault.archiver.backup.BackupType;
import dev.pgvault.archiver.backup.BaseBackup;
import dev.pgvault.archiver.backup.FileEntry;
import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.archiver.expire.ExpireOptions;
import dev.pgvault.archiver.pg.PgSession;
import dev.pgvault.cli.config.ConfigException;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.storage.codec.EncodedStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "backup",
        description = {"Take a base backup of the local cluster into the repository.",
                "Run it on the database host, as the user that owns pg.data. Copies PGDATA and its",
                "tablespaces on process-max workers, checks data page checksums, waits until the WAL",
                "the backup needs is archived, and writes the manifest last. Prints the backup id."})
final class BackupCommand implements Callable<Integer> {

    @ParentCommand
    PgvaultCommand top;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "full",
            description = {"Backup type: full (the default), diff (what changed since the newest full) or incr (what",
                    "changed since the newest backup). A diff or incr with no backup to build on is taken as a full,",
                    "and says so."})
    String type;

    @Option(names = "--no-expire",
            description = "Do not expire after the backup (by default, a configured retention is applied after a backup succeeds).")
    boolean noExpire;

    @Option(names = "--archive-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long to wait for the backup's WAL to reach the repository (default: ${DEFAULT-VALUE}).")
    int archiveTimeoutSeconds;

    /**
     * Internal, for tests and measurements, not a setting users need: -Dpgvault.backup.part-size
     * (in PGVAULT_JAVA_OPTS) lets a test split a small table without writing a large one.
     */
    static final String PART_SIZE_PROPERTY = "pgvault.backup.part-size";

    private static long partSize() {
        String value = System.getProperty(PART_SIZE_PROPERTY);
        if (value == null) {
            return BackupOptions.DEFAULT_PART_SIZE;
        }
        try {
            long bytes = Long.parseLong(value);
            if (bytes > 0 && bytes % 8192 == 0) {
                return bytes;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UserError(ExitCode.USAGE, PART_SIZE_PROPERTY + " must be a positive multiple of 8192 bytes, not '"
                + value + "'");
    }

    @picocli.CommandLine.Mixin
    ProgressOption progress;

    @Override
    public Integer call() throws Exception {
        BackupType backupType = parseType(type);
        Seconds.positive(archiveTimeoutSeconds, "--archive-timeout");
        PgvaultConfig config = top.loadConfig();
        if (config.pg().data() == null) {
            throw new ConfigException("pg.data is not set in " + config.source()
                    + ": backup reads the cluster's data directory");
        }
        BackupOptions options = BackupOptions.of(backupType, config.processMax())
                .withArchiveTimeout(Duration.ofSeconds(archiveTimeoutSeconds))
                .withPartSize(partSize())
                .withClock(CommandClock.get())
                .withPgBin(config.pg().bin());
        RepositoryLayout layout = new RepositoryLayout(config.stanza());
        boolean expire = !noExpire && config.retention().policy().isSet();
        try (EncodedStore repo = Repositories.openEncoded(config.repo());
                ProgressOption.AutoCloseableProgress line = progress.open("backup", System.err, top.verbose)) {
            BaseBackup backup = new BaseBackup(repo, layout, options,
                    top.verbose ? step -> System.err.println("pgvault: " + step) : step -> { }, line.progress());
            // One lock across the backup and its expire, as pgBackRest does: no other backup starts between.
            try (BackupLock lock = backup.lock()) {
                BackupResult result;
                try (PgSession pg = PgSession.connect(config.pg().target())) {
                    result = backup.runLocked(lock, pg, config.pg().data());
                    line.close(); // the command's own lines start on a fresh one
                } catch (Exception | Error e) {
                    WalCommands.counters(config, repo).backupFailed(backupType.word(), Instant.now());
                    throw e;
                }
                report(result);
                if (expire) {
                    try {
                        ExpireRun.print(ExpireRun.run(repo, layout, new ExpireOptions(config.retention().policy(),
                                config.retention().garbageAge(), false, options.clock()), Set.of(), top.verbose), System.out);
                    } catch (Exception | Error e) {
                        System.out.flush();
                        System.err.println("pgvault: backup " + result.manifest().id()
                                + " is complete, but the expire after it failed (run 'pgvault expire' again):");
                        return Failures.report(e, top.verbose, System.err);
                    }
                }
            }
        }
        return ExitCode.OK.code;
    }

    private static void report(BackupResult result) {
        Manifest m = result.manifest();
        if (result.notice() != null) {
            System.err.println("pgvault: " + result.notice());
        }
        for (FileEntry f : m.files()) {
            if (!f.badPages().isEmpty()) {
                System.err.println("pgvault: warning: " + f.path() + ": " + f.badPages().size()
                        + (f.badPages().size() == 1 ? " page fails" : " pages fail") + " its checksum (block "
                        + f.badPages().stream().limit(20).map(String::valueOf).collect(Collectors.joining(", "))
                        + (f.badPages().size() > 20 ? ", ..." : "") + ")");
            }
        }
        System.out.println(m.id());
        long bad = m.badPageCount();
        System.out.println(String.format(Locale.ROOT, "%s backup %s%s: %d files, %s, stored %s, %.1f s, %d bad %s%s",
                m.type().word(), m.id(), m.parent() == null ? "" : " (on " + m.parent() + ")", m.files().size(), Sizes.human(m.sizeBytes()),
                Sizes.human(m.storedBytes()), result.elapsed().toMillis() / 1000.0, bad, bad == 1 ? "page" : "pages",
                m.pageChecksums() ? "" : " (the cluster has no data checksums: pages not checked)"));
        System.out.flush();
    }

    private static BackupType parseType(String type) {
        return switch (type.toLowerCase(Locale.ROOT)) {
            case "full" -> BackupType.FULL;
            case "diff" -> BackupType.DIFF;
            case "incr" -> BackupType.INCR;
            default -> throw new UserError(ExitCode.USAGE, "unknown backup type '" + type + "': use full, diff or incr");
        };
    }
}
