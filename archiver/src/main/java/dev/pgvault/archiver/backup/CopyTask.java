package dev.pgvault.archiver.backup;

import java.util.List;

/**
 * One repository object to write: a large file alone ({@code data/<path>}) or several small
 * files concatenated ({@code bundle/<n>}). {@code object} is relative to the backup's directory;
 * {@code plannedBytes} is the files' size as scanned, for scheduling.
 */
record CopyTask(String object, List<SourceFile> files, boolean alone, long plannedBytes) {

    CopyTask {
        files = List.copyOf(files);
    }
}
