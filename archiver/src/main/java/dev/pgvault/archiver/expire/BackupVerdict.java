package dev.pgvault.archiver.expire;

import dev.pgvault.archiver.backup.BackupHeader;

/**
 * What retention decided for one backup and why.
 *
 * @param keep whether it stays
 * @param replayable whether it is kept for point-in-time recovery from it onward (by a rule, or
 *     as the newest backup), so every WAL file after its start stays; false for a backup kept
 *     only because it is pinned, which keeps the WAL from its start to its stop only
 * @param reason one phrase: "retention full=2", "pinned", "beyond retention window=14d"
 */
public record BackupVerdict(BackupHeader backup, boolean keep, boolean replayable, boolean pinned, String reason) {}
