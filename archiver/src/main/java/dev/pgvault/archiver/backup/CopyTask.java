package dev.pgvault.archiver.backup;

import java.util.List;

/**
 * One repository object to write: a large file alone ({@code data/<path>}), one range of a file
 * too large for one object ({@code part/<path>/<index>}, {@code part} set), or several small
 * files concatenated ({@code bundle/<n>}). {@code object} is relative to the backup's directory;
 * {@code plannedBytes} is the bytes as scanned, for scheduling.
 */
record CopyTask(String object, List<SourceFile> files, boolean alone, long plannedBytes, PartRange part) {

    CopyTask {
        files = List.copyOf(files);
        if (part != null && (!alone || files.size() != 1)) {
            throw new IllegalArgumentException("a part is of one file alone");
        }
    }

    CopyTask(String object, List<SourceFile> files, boolean alone, long plannedBytes) {
        this(object, files, alone, plannedBytes, null);
    }
}
