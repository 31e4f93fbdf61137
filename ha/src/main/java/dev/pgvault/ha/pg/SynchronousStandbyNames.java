package dev.pgvault.ha.pg;

import java.util.Collection;
import java.util.stream.Collectors;

/**
 * synchronous_standby_names for a set of members: each name double-quoted (a quote inside doubled),
 * so a name with capitals, spaces or commas is still exactly one standby, matched against the
 * application_name that primary_conninfo gives. PostgreSQL cuts application_name at 63 bytes: a
 * longer member name never matches.
 */
public final class SynchronousStandbyNames {
    private SynchronousStandbyNames() {}

    /** {@code FIRST n ("a", "b")}, or "" (no synchronous standby) for no names. */
    public static String first(int n, Collection<String> members) {
        if (members.isEmpty()) {
            return "";
        }
        return "FIRST " + n + " (" + members.stream().map(m -> "\"" + m.replace("\"", "\"\"") + "\"")
                .collect(Collectors.joining(", ")) + ")";
    }
}
