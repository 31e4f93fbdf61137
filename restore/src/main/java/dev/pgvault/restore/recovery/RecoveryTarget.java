package dev.pgvault.restore.recovery;

import dev.pgvault.archiver.wal.Lsn;
import java.time.Instant;
import java.util.Optional;

/**
 * Where recovery stops: one of PostgreSQL's recovery targets, or the end of the archived WAL
 * when none is given. Each knows its postgresql.conf setting and how to describe itself.
 */
public sealed interface RecoveryTarget {

    /** The recovery_target* setting's name and unquoted value; empty for the end of the archive. */
    Optional<Setting> setting();

    /** For messages: "recovery target time 2026-11-26 03:15:00+00". */
    String describe();

    /** Whether recovery_target_inclusive means anything for this target (time, LSN, xid). */
    default boolean hasInclusive() {
        return false;
    }

    record Setting(String name, String value) {}

    /** Recovery stops at the first commit after (or, exclusive, at) this moment. */
    record Time(Instant instant) implements RecoveryTarget {
        @Override
        public Optional<Setting> setting() {
            return Optional.of(new Setting("recovery_target_time", TargetTime.format(instant)));
        }

        @Override
        public String describe() {
            return "recovery target time " + TargetTime.format(instant);
        }

        @Override
        public boolean hasInclusive() {
            return true;
        }
    }

    record AtLsn(Lsn lsn) implements RecoveryTarget {
        @Override
        public Optional<Setting> setting() {
            return Optional.of(new Setting("recovery_target_lsn", lsn.toString()));
        }

        @Override
        public String describe() {
            return "recovery target LSN " + lsn;
        }

        @Override
        public boolean hasInclusive() {
            return true;
        }
    }

    /** A transaction id as txid_current() shows it (PostgreSQL also accepts the epoch-extended form). */
    record Xid(long xid) implements RecoveryTarget {
        @Override
        public Optional<Setting> setting() {
            return Optional.of(new Setting("recovery_target_xid", Long.toString(xid)));
        }

        @Override
        public String describe() {
            return "recovery target xid " + xid;
        }

        @Override
        public boolean hasInclusive() {
            return true;
        }
    }

    /** A restore point made by pg_create_restore_point(). */
    record Name(String name) implements RecoveryTarget {
        @Override
        public Optional<Setting> setting() {
            return Optional.of(new Setting("recovery_target_name", name));
        }

        @Override
        public String describe() {
            return "recovery target name '" + name + "'";
        }
    }

    /** As soon as the backup is consistent. */
    record Immediate() implements RecoveryTarget {
        @Override
        public Optional<Setting> setting() {
            return Optional.of(new Setting("recovery_target", "immediate"));
        }

        @Override
        public String describe() {
            return "recovery target immediate";
        }
    }

    /** No target: replay every archived WAL file. */
    record EndOfArchive() implements RecoveryTarget {
        @Override
        public Optional<Setting> setting() {
            return Optional.empty();
        }

        @Override
        public String describe() {
            return "the end of the archived WAL";
        }
    }
}
