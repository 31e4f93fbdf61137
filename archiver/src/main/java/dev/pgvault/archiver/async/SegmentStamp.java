package dev.pgvault.archiver.async;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.TimeUnit;

/**
 * What identifies a WAL file PostgreSQL hands over without reading it: size, modification time
 * to the nanosecond and inode. Its text is exactly what GNU {@code stat -c '%s %.9Y %i'} prints,
 * so the launcher script compares a file with the record of its push without starting a JVM.
 * PostgreSQL never rewrites a finished segment in place: different bytes under the same name come
 * in a new file, with another stamp, and go to the JVM, which compares the bytes.
 */
public record SegmentStamp(long size, long mtimeNanos, long inode) {

    public static SegmentStamp of(Path file) throws IOException {
        FileTime mtime = Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS);
        Object ino = Files.getAttribute(file, "unix:ino", LinkOption.NOFOLLOW_LINKS);
        return new SegmentStamp(Files.size(file), mtime.to(TimeUnit.NANOSECONDS), ((Number) ino).longValue());
    }

    /** "16777216 1796207310.992656526 2146433", as {@code stat -c '%s %.9Y %i'}. */
    public String text() {
        long seconds = Math.floorDiv(mtimeNanos, 1_000_000_000L);
        long nanos = Math.floorMod(mtimeNanos, 1_000_000_000L);
        return size + " " + seconds + "." + String.format("%09d", nanos) + " " + inode;
    }
}
