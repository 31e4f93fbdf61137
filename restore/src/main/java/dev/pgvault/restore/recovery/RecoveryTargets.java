package dev.pgvault.restore.recovery;

import dev.pgvault.archiver.wal.Lsn;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/** Turns the --target-* options into one {@link RecoveryTarget}, refusing more than one. */
public final class RecoveryTargets {
    /** PostgreSQL keeps restore point names in 64 bytes with the terminating zero. */
    private static final int MAX_NAME_BYTES = 63;

    private RecoveryTargets() {}

    /**
     * Each argument is the option's text, or null when not given; {@code zone} reads a time
     * without a zone.
     */
    public static RecoveryTarget of(String time, String lsn, String xid, String name, boolean immediate, ZoneId zone) {
        List<String> given = new ArrayList<>();
        if (time != null) {
            given.add("--target-time");
        }
        if (lsn != null) {
            given.add("--target-lsn");
        }
        if (xid != null) {
            given.add("--target-xid");
        }
        if (name != null) {
            given.add("--target-name");
        }
        if (immediate) {
            given.add("--target-immediate");
        }
        if (given.size() > 1) {
            throw new InvalidTargetException("give at most one recovery target, not " + String.join(" and ", given));
        }
        if (time != null) {
            return new RecoveryTarget.Time(TargetTime.parse(time, zone));
        }
        if (lsn != null) {
            return new RecoveryTarget.AtLsn(lsn(lsn));
        }
        if (xid != null) {
            return new RecoveryTarget.Xid(xid(xid));
        }
        if (name != null) {
            return new RecoveryTarget.Name(name(name));
        }
        return immediate ? new RecoveryTarget.Immediate() : new RecoveryTarget.EndOfArchive();
    }

    static Lsn lsn(String text) {
        try {
            return Lsn.parse(text.strip());
        } catch (IllegalArgumentException e) {
            throw new InvalidTargetException("--target-lsn '" + text + "' is not an LSN (expected like 0/3000028)");
        }
    }

    static long xid(String text) {
        long xid;
        try {
            xid = Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new InvalidTargetException("--target-xid '" + text + "' is not a transaction id (a positive integer, as txid_current() shows)");
        }
        // 0, 1 and 2 are PostgreSQL's invalid, bootstrap and frozen ids: no transaction commits with them.
        if (xid < 0 || (xid & 0xFFFFFFFFL) < 3) {
            throw new InvalidTargetException("--target-xid " + text + " is not a normal transaction id (those start at 3)");
        }
        return xid;
    }

    static String name(String text) {
        if (text.isEmpty()) {
            throw new InvalidTargetException("--target-name must not be empty");
        }
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new InvalidTargetException("--target-name is longer than PostgreSQL's 63 bytes for restore point names");
        }
        return text;
    }
}
