package dev.pgvault.archiver;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Whether a resident process (the async archiver, the HA fence) holds its lock file now. */
public final class LockProbe {
    private LockProbe() {}

    /** True when another process, or this JVM, holds {@code lockFile}; creates it when absent. */
    public static boolean held(Path lockFile) throws IOException {
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = ch.tryLock();
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true; // held within this JVM (tests run the resident processes in-process)
        }
    }
}
