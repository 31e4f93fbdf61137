package dev.pgvault.restore;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * postgresql.auto.conf as restored from the backup, with the restore's settings appended. Earlier
 * lines setting any of them or any recovery setting (left by an earlier restore, or a replica's
 * primary_conninfo) are commented out: a stale recovery_target_time beside a new recovery_target_lsn would make PostgreSQL refuse to start,
 * and a stale target without a new one would stop recovery where nobody asked.
 */
final class AutoConf {
    static final String DISABLED = "# disabled by pgvault restore: ";
    /** A setting line: "name = value" or "name value" (the '=' is optional in postgresql.conf). */
    private static final Pattern SETTING = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_.$]*)(?:\\s*=|\\s+[^\\s=#]).*");

    private AutoConf() {}

    static String withRecovery(String existing, List<String> lines, String header) {
        Set<String> written = new HashSet<>(RecoveryConfig.MANAGED);
        lines.forEach(l -> name(l).ifPresent(written::add));
        StringBuilder out = new StringBuilder();
        existing.lines().forEach(line -> out.append(name(line).filter(written::contains).isPresent() ? DISABLED + line : line)
                .append('\n'));
        out.append("# ").append(header).append('\n');
        lines.forEach(l -> out.append(l).append('\n'));
        return out.toString();
    }

    /** The setting a line sets, lower case; empty for comments and blank lines. */
    private static Optional<String> name(String line) {
        Matcher m = SETTING.matcher(line);
        return m.matches() ? Optional.of(m.group(1).toLowerCase(Locale.ROOT)) : Optional.empty();
    }
}
