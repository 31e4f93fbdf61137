package dev.pgvault.cli;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.restore.ArchiveMode;
import dev.pgvault.restore.RecoveryConfig;
import dev.pgvault.restore.Restore;
import dev.pgvault.restore.RestoreRequest;
import dev.pgvault.restore.RestoreResult;
import dev.pgvault.restore.ShellWord;
import dev.pgvault.restore.TablespaceRemap;
import dev.pgvault.restore.recovery.RecoveryOptions;
import dev.pgvault.restore.recovery.RecoveryTarget;
import dev.pgvault.restore.recovery.RecoveryTargets;
import dev.pgvault.restore.recovery.TargetAction;
import dev.pgvault.restore.recovery.TargetTimeline;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "restore",
        description = {"Restore a backup into an empty directory, set up to recover to a target.",
                "Without --backup, takes the newest backup that can reach the target; without a",
                "target, recovery replays all archived WAL. Writes recovery.signal and the recovery",
                "settings in postgresql.auto.conf; does not start PostgreSQL. A time without a zone",
                "is read in this machine's time zone."})
final class RestoreCommand implements Callable<Integer> {

    @ParentCommand
    PgvaultCommand top;

    @Option(names = "--pgdata", paramLabel = "DIR", required = true,
            description = "Where to restore: a missing or empty directory (or, with --delta, a stopped data directory).")
    Path pgdata;

    @Option(names = "--delta", description = {"Restore into an existing, stopped data directory (refused while a postmaster",
            "runs in it): files that already hold the backup's bytes are kept, the others written",
            "again, anything the backup does not hold removed. The result is what a restore into",
            "an empty directory writes."})
    boolean delta;

    @Option(names = "--trust-times", description = {"With --delta: a file the last restore into the directory left untouched",
            "(its size and its time to the nanosecond as that restore set them, no write since, no",
            "other hard link; that restore named by its backup_label, or by the backup_label.old",
            "PostgreSQL renamed it to as it started) is judged from that backup's manifest without",
            "being read. Faster; blind to bytes changed by a failing disk or to a time set back by hand."})
    boolean trustTimes;

    @Option(names = "--backup", paramLabel = "ID", description = "The backup to restore (default: chosen for the target).")
    String backup;

    @Option(names = "--target-time", paramLabel = "TS", description = "Recover to a time, e.g. '2026-11-26 03:15:00+00'.")
    String targetTime;

    @Option(names = "--target-lsn", paramLabel = "LSN", description = "Recover to a WAL location, e.g. 0/3000028.")
    String targetLsn;

    @Option(names = "--target-xid", paramLabel = "XID", description = "Recover to a transaction id.")
    String targetXid;

    @Option(names = "--target-name", paramLabel = "NAME", description = "Recover to a restore point (pg_create_restore_point).")
    String targetName;

    @Option(names = "--target-immediate", description = "Recover only until the backup is consistent.")
    boolean targetImmediate;

    @Option(names = "--target-action", paramLabel = "ACTION",
            description = "At the target: pause (PostgreSQL's default), promote or shutdown.")
    String targetAction;

    @Option(names = "--target-exclusive", description = "Stop just before the target instead of just after it.")
    boolean targetExclusive;

    @Option(names = "--target-timeline", paramLabel = "N|latest",
            description = "The timeline to recover along (PostgreSQL's default: latest).")
    String targetTimeline;

    @Option(names = "--archive-mode", paramLabel = "off|preserve", description = {"Whether the copy archives WAL once"
            + " promoted: preserve keeps the backup's archive_mode (the default),", "off writes archive_mode = 'off' into its"
            + " postgresql.auto.conf (a drill or test copy that must not archive into this stanza)."})
    String archiveMode;

    @picocli.CommandLine.Mixin
    TablespaceMapOptions tablespaces;

    @picocli.CommandLine.Mixin
    ProgressOption progress;

    @Override
    public Integer call() throws Exception {
        if (trustTimes && !delta) {
            throw new UserError(ExitCode.USAGE, "--trust-times is for a delta restore: give --delta too");
        }
        RecoveryTarget target = RecoveryTargets.of(targetTime, targetLsn, targetXid, targetName, targetImmediate,
                ZoneId.systemDefault());
        RecoveryOptions options = new RecoveryOptions(target, targetAction == null ? null : TargetAction.parse(targetAction),
                targetExclusive, targetTimeline == null ? null : TargetTimeline.parse(targetTimeline));
        ArchiveMode mode;
        try {
            mode = archiveMode == null ? ArchiveMode.PRESERVE : ArchiveMode.parse(archiveMode);
        } catch (IllegalArgumentException e) {
            throw new UserError(ExitCode.USAGE, e.getMessage());
        }
        TablespaceRemap remap = tablespaces.remap();
        PgvaultConfig config = top.loadConfig();
        String restoreCommand = RecoveryConfig.restoreCommand(Launcher.path(), config.source().toAbsolutePath());
        RestoreResult r;
        try (EncodedStore repo = Repositories.openEncoded(config.repo())) {
            try (ProgressOption.AutoCloseableProgress line = progress.open("restore", System.err, top.verbose)) {
                Restore restore = new Restore(repo, new RepositoryLayout(config.stanza()), config.processMax(), Clock.systemUTC(),
                        line.progress());
                r = restore.run(new RestoreRequest(pgdata, backup, options, restoreCommand, delta, mode, remap, trustTimes,
                        config.pg().data()));
            }
            AsyncArchiving.warmForRecovery(config, repo, r.pgdata());
        }
        report(r, options, config, System.out, System.err);
        if (mode == ArchiveMode.OFF) {
            System.out.println("archive_mode = 'off' written into postgresql.auto.conf: this copy archives no WAL");
        }
        return ExitCode.OK.code;
    }

    static void report(RestoreResult r, RecoveryOptions options, PgvaultConfig config, PrintStream out, PrintStream err) {
        out.printf(Locale.ROOT, "restored backup %s into %s: %d files, %.1f MB in %.2f s%n", r.backupId(), r.pgdata(), r.files(),
                r.bytes() / 1e6, r.elapsed().toNanos() / 1e9);
        if (r.delta() != null) {
            out.println(deltaLine(r.delta()));
        }
        RecoveryTarget target = options.target();
        if (target instanceof RecoveryTarget.EndOfArchive) {
            out.println("recovery: replays all archived WAL, then promotes");
        } else {
            out.println("recovery: replays archived WAL up to " + target.describe() + (options.exclusive() ? " (exclusive)" : "")
                    + ", then " + switch (options.effectiveAction()) {
                        case PAUSE -> "pauses";
                        case PROMOTE -> "promotes";
                        case SHUTDOWN -> "shuts down";
                    });
        }
        String pgCtl = config.pg().bin() == null ? "pg_ctl" : config.pg().bin().resolve("pg_ctl").toString();
        out.println("start it with: " + ShellWord.quote(pgCtl) + " -D " + ShellWord.quote(r.pgdata().toString()) + " start");
        if ("root".equals(System.getProperty("user.name"))) {
            err.println("pgvault: warning: restored as root, who owns the files: PostgreSQL refuses to run as root;"
                    + " give them to its user (chown -R) or restore as that user");
        }
    }

    /** What a delta restore kept, patched and removed, in one line. */
    static String deltaLine(dev.pgvault.restore.DeltaSummary d) {
        String line = String.format(Locale.ROOT, "delta: %d files (%.1f MB) already held the backup's bytes and were kept; %d"
                + " written over in place, only their blocks that differed; %d entries removed", d.kept(), d.keptBytes() / 1e6,
                d.patched(), d.removed());
        if (d.whyNoneTrusted() != null) {
            return line + "\ndelta: --trust-times took nothing on trust, every file was read: " + d.whyNoneTrusted();
        }
        return !d.trusting() ? line : line + String.format(Locale.ROOT, "; %d files judged by their size and times, not hashed",
                d.notHashed());
    }
}
