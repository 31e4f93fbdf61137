package dev.pgvault.ha.pg;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The agent's edits to files it does not own: postgresql.conf and postgresql.auto.conf. */
final class ConfEdits {
    static final String INCLUDE = "include_if_exists = '" + AgentConf.FILE + "'";
    /** A setting line: "name = value" or "name value" (the '=' is optional in postgresql.conf). */
    private static final Pattern SETTING = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_.$]*)(?:\\s*=|\\s+[^\\s=#]).*");

    private ConfEdits() {}

    /**
     * postgresql.conf ending with the include of the agent's file, once: what comes later in the
     * file wins, so it must be last. pg_basebackup and pg_rewind copy the source's file, which
     * already has it; a line the operator moved up is moved back down.
     */
    static String withInclude(String conf) {
        List<String> lines = conf.lines().filter(l -> !l.strip().equals(INCLUDE)).toList();
        StringBuilder out = new StringBuilder();
        lines.forEach(l -> out.append(l).append('\n'));
        return out.append(INCLUDE).append('\n').toString();
    }

    /**
     * postgresql.auto.conf without the lines setting {@code owned}: ALTER SYSTEM's file is read
     * after postgresql.conf and its includes, so anything it sets would override the agent.
     */
    static String without(String autoConf, Set<String> owned) {
        StringBuilder out = new StringBuilder();
        autoConf.lines().filter(l -> name(l).filter(owned::contains).isEmpty()).forEach(l -> out.append(l).append('\n'));
        return out.toString();
    }

    /** The setting a line sets, lower case; empty for comments and blank lines. */
    private static Optional<String> name(String line) {
        Matcher m = SETTING.matcher(line);
        return m.matches() ? Optional.of(m.group(1).toLowerCase(Locale.ROOT)) : Optional.empty();
    }
}
