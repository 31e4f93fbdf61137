package dev.pgvault.restore;

/**
 * What a delta restore found in the directory it was given.
 *
 * @param kept files that already held the backup's bytes, left in place (mode and time set)
 * @param keptBytes their size
 * @param patched files that were not the backup's, written over in place: only their blocks that differ
 * @param removed files, links and directories removed: not in the backup, or not a file where it has one
 * @param trusting with {@code --trust-times}: the directory's backup_label named a backup whose
 *     files could be judged
 * @param notHashed files judged by their size and times instead of by reading and hashing them
 *     ({@code --trust-times}); one judged to differ is still read block by block where it is written over
 * @param whyNoneTrusted with {@code --trust-times}, why no file could be judged without being
 *     read; else null
 */
public record DeltaSummary(int kept, long keptBytes, int patched, int removed, boolean trusting, int notHashed,
        String whyNoneTrusted) {
    static final DeltaSummary NONE = new DeltaSummary(0, 0, 0, 0, false, 0, null);
}
