package dev.pgvault.restore;

import dev.pgvault.restore.recovery.RecoveryOptions;
import dev.pgvault.restore.recovery.RecoveryTarget;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The recovery settings a restore appends to postgresql.auto.conf, and the quoting they need.
 * restore_command passes through two parsers: postgresql.conf's string syntax (quotes doubled,
 * backslashes escaped), then PostgreSQL's %-substitution and /bin/sh.
 */
public final class RecoveryConfig {
    /** Every setting the restore writes: older lines setting them are commented out. */
    static final List<String> MANAGED = List.of("restore_command", "recovery_target", "recovery_target_time",
            "recovery_target_lsn", "recovery_target_xid", "recovery_target_name", "recovery_target_action",
            "recovery_target_inclusive", "recovery_target_timeline");

    private RecoveryConfig() {}

    /** restore_command calling pgvault's launcher with its configuration file. */
    public static String restoreCommand(Path launcher, Path config) {
        return shellWord(launcher.toString()) + " --config " + shellWord(config.toString()) + " archive-get %f \"%p\"";
    }

    /** archive_command calling pgvault with the same configuration (the HA agent writes it on every node). */
    public static String archiveCommand(Path launcher, Path config) {
        return shellWord(launcher.toString()) + " --config " + shellWord(config.toString()) + " archive-push \"%p\"";
    }

    /** The lines, in postgresql.conf syntax, for a copy that keeps the backup's archive_mode. */
    public static List<String> lines(RecoveryOptions options, String restoreCommand) {
        return lines(options, restoreCommand, ArchiveMode.PRESERVE);
    }

    /** The lines, in postgresql.conf syntax; {@link ArchiveMode#OFF} adds archive_mode = 'off'. */
    public static List<String> lines(RecoveryOptions options, String restoreCommand, ArchiveMode archiveMode) {
        List<String> lines = new ArrayList<>();
        if (archiveMode == ArchiveMode.OFF) {
            // postgresql.auto.conf is read after postgresql.conf, and earlier archive_mode lines in
            // it are commented out (AutoConf): this one wins
            lines.add("archive_mode = 'off'");
        }
        lines.add("restore_command = " + quote(restoreCommand));
        RecoveryTarget target = options.target();
        target.setting().ifPresent(s -> {
            lines.add(s.name() + " = " + quote(s.value()));
            lines.add("recovery_target_action = " + quote(options.effectiveAction().setting()));
        });
        if (options.exclusive()) {
            lines.add("recovery_target_inclusive = false");
        }
        if (options.timeline() != null) {
            lines.add("recovery_target_timeline = " + quote(options.timeline().setting()));
        }
        return lines;
    }

    /** A postgresql.conf string literal. */
    public static String quote(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    /**
     * One /bin/sh word, quoted only when it must be; '%' doubled, as restore_command reserves it
     * for %f, %p and %r.
     */
    static String shellWord(String s) {
        return ShellWord.quote(s).replace("%", "%%");
    }
}
