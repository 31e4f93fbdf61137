package dev.pgvault.archiver.backup;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Joins the parts of each split file, as the workers copied them, into the file's manifest entry.
 *
 * <p>The parts were read at different moments of a backup PostgreSQL kept writing through, as a
 * sequential copy reads a file's blocks at different moments. A part shorter than planned means
 * the file ended there when it was read (VACUUM truncated it): the file is recorded up to that
 * point, and later parts, read after the file may have grown again, are left out, so the entry
 * is what one sequential read could have seen. WAL replay brings the file to its final length
 * either way. Left-out parts stay listed among the backup's objects, unused.
 */
final class SplitFiles {
    static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private SplitFiles() {}

    static List<FileEntry> join(List<CopiedPart> copied) {
        Map<String, List<CopiedPart>> byPath = new LinkedHashMap<>();
        for (CopiedPart p : copied) {
            byPath.computeIfAbsent(p.file().path(), k -> new ArrayList<>()).add(p);
        }
        List<FileEntry> files = new ArrayList<>();
        for (List<CopiedPart> parts : byPath.values()) {
            parts.sort(Comparator.comparingInt(p -> p.range().index()));
            FileEntry f = joinFile(parts);
            if (f != null) {
                files.add(f);
            }
        }
        return files;
    }

    /** One file's entry from its parts in order, or null when the file was gone before its first part was read. */
    private static FileEntry joinFile(List<CopiedPart> parts) {
        SourceFile source = parts.get(0).file();
        List<FilePart> kept = new ArrayList<>();
        List<Long> badPages = new ArrayList<>();
        long size = 0;
        for (int i = 0; i < parts.size(); i++) {
            CopiedPart p = parts.get(i);
            if (p.range().index() != i) {
                throw new IllegalStateException("part " + i + " of " + source.path() + " was not copied");
            }
            if (p.size() > 0) {
                kept.add(p.stored());
                badPages.addAll(p.badPages());
                size += p.size();
            }
            if (p.range().toEnd() || p.size() < p.range().length()) {
                break;
            }
        }
        if (kept.isEmpty()) {
            return parts.get(0).stored() == null ? null
                    : new FileEntry(source.path(), 0, EMPTY_SHA256, source.mtime(), source.mode(), null, 0, List.of());
        }
        return new FileEntry(source.path(), size, null, source.mtime(), source.mode(), null, 0, badPages, kept);
    }
}
