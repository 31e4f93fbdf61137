package dev.pgvault.restore;

import java.util.List;

/**
 * What {@link RestoredCopy} knows of a file without reading it.
 *
 * @param known whether anything is
 * @param same the file holds the new backup's bytes
 * @param settled it does, and has the new backup's mode and time already
 * @param differingParts for a split file that differs, the offsets of its parts that differ
 */
record FileJudgement(boolean known, boolean same, boolean settled, List<Long> differingParts) {
    static final FileJudgement UNKNOWN = new FileJudgement(false, false, false, List.of());
    static final FileJudgement SAME = new FileJudgement(true, true, false, List.of());
    static final FileJudgement SETTLED = new FileJudgement(true, true, true, List.of());

    FileJudgement {
        differingParts = List.copyOf(differingParts);
    }

    static FileJudgement differs(List<Long> parts) {
        return new FileJudgement(true, false, false, parts);
    }

    /** The same bytes: {@link #SETTLED} when the mode and time are already the wanted ones, else {@link #SAME}. */
    static FileJudgement same(boolean settled) {
        return settled ? SETTLED : SAME;
    }
}
