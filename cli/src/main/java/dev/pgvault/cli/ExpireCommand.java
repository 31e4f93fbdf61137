package dev.pgvault.cli;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.expire.ExpireOptions;
import dev.pgvault.archiver.expire.ExpireReport;
import dev.pgvault.archiver.expire.ExpireReportJson;
import dev.pgvault.archiver.expire.RetentionDuration;
import dev.pgvault.archiver.expire.RetentionPolicy;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.storage.codec.EncodedStore;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "expire",
        description = {"Remove what retention no longer keeps: backups beyond it (manifest first), the WAL no kept",
                "backup needs, and the objects of backups killed before their manifest. Rules come from the",
                "configuration's retention section; the options override them. Never removes the newest backup, a",
                "pinned one (pgvault keep), a backup a kept one depends on, or .history files."})
final class ExpireCommand implements Callable<Integer> {

    enum Output { text, json }

    @ParentCommand
    PgvaultCommand top;

    @Option(names = "--retention-full", paramLabel = "N",
            description = "Keep the newest N full backups (and what depends on them).")
    Integer full;

    @Option(names = "--retention-window", paramLabel = "DURATION",
            description = "Keep every backup needed to restore to any moment of the last DURATION (14d; s, m, h, d, w).")
    String window;

    @Option(names = "--garbage-age", paramLabel = "DURATION",
            description = "Leave a backup without a manifest alone until nothing was written to it for DURATION"
                    + " (default: retention.garbage-age, else 6h): it may be running on another host.")
    String garbageAge;

    @Option(names = "--dry-run", description = "Say what would be removed; remove nothing.")
    boolean dryRun;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (the default) or json.")
    Output output;

    @Override
    public Integer call() throws Exception {
        RetentionPolicy options = optionsPolicy();
        Duration age = garbageAge == null ? null : duration("--garbage-age", garbageAge);
        PgvaultConfig config = top.loadConfig();
        RetentionPolicy policy = config.retention().policy().overriddenBy(options);
        ExpireOptions expire = new ExpireOptions(policy, age != null ? age : config.retention().garbageAge(), dryRun,
                CommandClock.get());
        RepositoryLayout layout = new RepositoryLayout(config.stanza());
        ExpireReport report;
        try (EncodedStore repo = Repositories.openEncoded(config.repo());
                ExpireRun.Guard guard = ExpireRun.guard(repo, layout)) {
            report = ExpireRun.run(repo, layout, expire, guard.running(), top.verbose);
        }
        if (output == Output.json) {
            ExpireReportJson.write(config.stanza(), report, System.out);
        } else {
            ExpireRun.print(report, System.out);
        }
        System.out.flush();
        return ExitCode.OK.code;
    }

    /** The rules the options give, checked before anything is opened. */
    private RetentionPolicy optionsPolicy() {
        if (full != null && full < 1) {
            throw new UserError(ExitCode.USAGE, "--retention-full must be at least 1, not " + full
                    + " (to keep every backup, set no retention)");
        }
        return new RetentionPolicy(full == null ? OptionalInt.empty() : OptionalInt.of(full),
                window == null ? Optional.empty() : Optional.of(duration("--retention-window", window)));
    }

    static Duration duration(String option, String text) {
        try {
            return RetentionDuration.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UserError(ExitCode.USAGE, option + ": " + e.getMessage());
        }
    }
}
