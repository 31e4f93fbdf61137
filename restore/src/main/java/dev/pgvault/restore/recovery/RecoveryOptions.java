package dev.pgvault.restore.recovery;

/**
 * How recovery ends: the target, what the server does there, whether the target itself is
 * replayed, and which timeline to follow. {@code action} and {@code timeline} are null when not
 * given (PostgreSQL's defaults apply: pause, latest).
 */
public record RecoveryOptions(RecoveryTarget target, TargetAction action, boolean exclusive, TargetTimeline timeline) {

    public RecoveryOptions {
        if (target == null) {
            throw new IllegalArgumentException("target is required (EndOfArchive for none)");
        }
        if (action != null && target instanceof RecoveryTarget.EndOfArchive) {
            throw new InvalidTargetException("--target-action needs a recovery target: without one, recovery replays all archived WAL and promotes");
        }
        if (exclusive && !target.hasInclusive()) {
            throw new InvalidTargetException("--target-exclusive applies only to --target-time, --target-lsn and --target-xid");
        }
    }

    /** Recovery to the end of the archive with PostgreSQL's defaults. */
    public static RecoveryOptions endOfArchive() {
        return new RecoveryOptions(new RecoveryTarget.EndOfArchive(), null, false, null);
    }

    /** The action PostgreSQL will take: the one given, else its default. */
    public TargetAction effectiveAction() {
        return action == null ? TargetAction.DEFAULT : action;
    }
}
