package dev.pgvault.ha.pg;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads pg_waldump's answer to "the first valid record at or after the fork point": a record
 * printed means the old primary wrote WAL the new timeline lacks; "could not find a valid record
 * after" means its WAL ends at or before the fork, where PostgreSQL's own recovery would end it
 * too. Any other answer (a segment missing, a permission refused) tells nothing.
 */
final class WalAfterFork {
    private static final Pattern RECORD = Pattern.compile("(?m)^rmgr: .*$");

    private WalAfterFork() {}

    static Optional<Divergence> judge(ProgramOutput out, String where) {
        var record = RECORD.matcher(out.output());
        if (out.ok() && record.find()) {
            String line = record.group();
            return Optional.of(new Divergence(true, "it wrote WAL after " + where + ": "
                    + (line.length() > 120 ? line.substring(0, 120) + "..." : line)));
        }
        if (!out.ok() && out.output().contains("could not find a valid record after")) {
            return Optional.of(new Divergence(false, "its WAL ends at or before " + where));
        }
        return Optional.empty();
    }
}
