package dev.pgvault.archiver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A file written beside its destination, under a name of its own per process and thread
 * ({@code <dest>.pgvault-tmp-<pid>-<thread>}), then renamed into place or deleted when closed.
 *
 * <p>Why more than a {@code finally}: archive-get writes into {@code pg_wal}, and PostgreSQL's fast
 * shutdown sends SIGTERM to its restore_command with the startup process; the JVM then runs its
 * shutdown hooks but no {@code finally}, and PostgreSQL never removes a file it does not know (a
 * segment, up to 1 GiB, left for good). A shutdown hook deletes the files still open. A process
 * killed outright (-9) runs nothing: {@link #sweep} removes, from a directory this process is
 * about to write into, the files left there by processes no longer running.
 */
public final class TemporaryFile implements AutoCloseable {
    private static final String MARK = ".pgvault-tmp-";
    /**
     * A file is swept only once it is this old too: a writer whose process this one cannot see
     * (another pid namespace sharing the directory, /proc mounted with hidepid) is not judged
     * dead while it still writes.
     */
    static final java.time.Duration UNTOUCHED = java.time.Duration.ofMinutes(10);
    private static final Set<Path> OPEN = ConcurrentHashMap.newKeySet();
    private static final Set<Path> SWEPT = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(TemporaryFile::deleteOpen, "pgvault-temporary-files"));
    }

    private final Path path;

    private TemporaryFile(Path path) {
        this.path = path;
    }

    /** A temporary name beside {@code dest}, deleted on close and at a SIGTERM; nothing is created yet. */
    public static TemporaryFile beside(Path dest) {
        TemporaryFile t = new TemporaryFile(dest.resolveSibling(dest.getFileName() + MARK + ProcessHandle.current().pid()
                + "-" + Thread.currentThread().getId()));
        OPEN.add(t.path);
        return t;
    }

    public Path path() {
        return path;
    }

    /** Deletes the file if it is still there (it is not once renamed into place). */
    @Override
    public void close() throws IOException {
        try {
            Files.deleteIfExists(path);
        } finally {
            OPEN.remove(path);
        }
    }

    /**
     * Deletes, once per process and directory, the temporary files in {@code dir} of processes no
     * longer running, untouched for {@link #UNTOUCHED}. Never fails: a file it cannot read or
     * delete is left for the next sweep. Called before writing into {@code dir}, not before every
     * look: a fetch that finds nothing lists nothing.
     */
    public static void sweep(Path dir) {
        if (dir == null || !SWEPT.add(dir.toAbsolutePath())) {
            return;
        }
        long before = System.currentTimeMillis() - UNTOUCHED.toMillis();
        // Names as strings from one native listing, no glob or regular expression, no Path per
        // entry: archive-get pays this once per process, in a cold JVM, where each costs.
        String[] names = dir.toFile().list();
        if (names == null) {
            return; // not a directory, or unreadable: tidying only, the fetch goes on
        }
        for (String name : names) {
            long pid = writer(name);
            if (pid <= 0) {
                continue;
            }
            Path file = dir.resolve(name);
            try {
                if (ProcessHandle.of(pid).isEmpty() && Files.getLastModifiedTime(file).toMillis() < before) {
                    Files.deleteIfExists(file);
                }
            } catch (IOException | RuntimeException e) {
                // gone meanwhile, or not ours to delete: the others are still looked at
            }
        }
    }

    /**
     * The process id in one of our names ({@code ...<MARK><pid>-<thread>}), else -1. Not the names
     * without one that other parts of pgvault write beside their targets (the async fetcher's
     * marks, whose times are set back on purpose; the HA agent's history files; the old async
     * path's copies): a sweep cannot judge those. A process of that id running here, even a reused
     * id, keeps the file: left, never wrongly deleted.
     */
    static long writer(String name) {
        int at = name.lastIndexOf(MARK);
        if (at < 0) {
            return -1;
        }
        int from = at + MARK.length();
        int dash = name.indexOf('-', from);
        if (dash <= from || dash == name.length() - 1 || !digits(name, from, dash) || !digits(name, dash + 1, name.length())
                || dash - from > 18) {
            return -1;
        }
        return Long.parseLong(name, from, dash, 10);
    }

    private static boolean digits(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static void deleteOpen() {
        for (Path p : OPEN) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // exiting: the next sweep of its directory removes it
            }
        }
    }
}
