package dev.pgvault.archiver.backup;

import java.util.List;

/**
 * One repository object to write: a large file alone ({@code data/<path>}), one range of a file
 * too large for one object ({@code part/<path>/<index>}, {@code part} set), or several small
 * files concatenated ({@code bundle/<n>}), or the changed pages of one file for an incremental
 * backup ({@code page/<path>}, {@code pages} set). {@code object} is relative to the backup's
 * directory; {@code plannedBytes} is the bytes as scanned, for scheduling.
 */
record CopyTask(String object, List<SourceFile> files, boolean alone, long plannedBytes, PartRange part,
        ChangeFinder.Pages pages) {

    CopyTask {
        files = List.copyOf(files);
        if ((part != null || pages != null) && (!alone || files.size() != 1)) {
            throw new IllegalArgumentException("a part or a page run is of one file alone");
        }
    }

    CopyTask(String object, List<SourceFile> files, boolean alone, long plannedBytes, PartRange part) {
        this(object, files, alone, plannedBytes, part, null);
    }

    /** The changed pages of one file, in one object of their own. */
    static CopyTask pages(ChangeFinder.Pages pages) {
        return new CopyTask("page/" + pages.file().path(), List.of(pages.file()), true,
                (long) pages.blocks().size() * PageChecksum.PAGE_SIZE, null, pages);
    }

    CopyTask(String object, List<SourceFile> files, boolean alone, long plannedBytes) {
        this(object, files, alone, plannedBytes, null);
    }
}
