package dev.pgvault.archiver;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
     * Ours, with the writer's process id. Not the names without one that other parts of pgvault
     * write beside their targets (the async fetcher's marks, whose times are set back on purpose;
     * the HA agent's history files; the old async path's copies): a sweep cannot judge those.
     */
    private static final Pattern NAME = Pattern.compile(".*" + Pattern.quote(MARK) + "(\\d+)-\\d+");
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
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + MARK + "*")) {
            for (Path file : files) {
                Matcher m = NAME.matcher(file.getFileName().toString());
                try {
                    if (m.matches() && !running(m.group(1)) && Files.getLastModifiedTime(file).toMillis() < before) {
                        Files.deleteIfExists(file);
                    }
                } catch (IOException e) {
                    // gone meanwhile, or not ours to delete: the others are still looked at
                }
            }
        } catch (IOException | RuntimeException e) {
            // tidying only: the fetch that called it goes on
        }
    }

    /** Whether a process of that id runs here (a reused id keeps a dead one's file: left, never wrongly deleted). */
    private static boolean running(String pid) {
        try {
            return ProcessHandle.of(Long.parseLong(pid)).isPresent();
        } catch (NumberFormatException e) {
            return true; // not an id of this machine's: not ours to judge
        }
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
