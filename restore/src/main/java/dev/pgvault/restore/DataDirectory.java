package dev.pgvault.restore;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.Iterator;

/**
 * The directories a restore writes into (PGDATA, tablespace locations): {@link #check} refuses
 * one that is not empty before anything is changed ({@link #checkForDelta} and {@link
 * #checkTakeOver} what a delta restore may take over with its contents), {@link #prepare} creates
 * it or takes it over: mode 0700, owned by the user running the restore, as PostgreSQL requires.
 */
final class DataDirectory {
    private DataDirectory() {}

    /** Refuses {@code dir} unless it is missing or an empty directory; changes nothing. */
    static void check(Path dir, String what) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw notADirectory(dir, what);
        }
        String first = firstEntry(dir);
        if (first != null) {
            throw new TargetDirectoryException(what + " " + dir + " is not empty (it holds '" + first
                    + "'): restore needs an empty or missing directory; nothing was changed");
        }
        checkTakeOver(dir, what);
    }

    /**
     * Refuses {@code dir} unless it is missing, or a directory the user running the restore owns
     * (or root runs it); its contents are not looked at. Changes nothing.
     */
    static void checkTakeOver(Path dir, String what) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw notADirectory(dir, what);
        }
        UserPrincipal me = currentUser(dir);
        UserPrincipal owner = Files.getOwner(dir);
        if (!owner.equals(me) && !isRoot()) {
            throw new TargetDirectoryException(what + " " + dir + " is owned by " + owner.getName() + ", not by "
                    + me.getName() + " who runs the restore: PostgreSQL must own its directories (restore as "
                    + owner.getName() + ", or remove the directory)");
        }
    }

    private static TargetDirectoryException notADirectory(Path dir, String what) {
        return new TargetDirectoryException(what + " " + dir + " exists and is not a directory; nothing was changed");
    }

    /**
     * Refuses {@code dir} for a delta restore unless it is missing or a directory without a
     * {@code postmaster.pid}, owned by the user running the restore, and the backup's tablespace
     * locations unless a delta may write into them ({@link TablespaceLinks#checkForDelta}), given
     * the clusters {@code running} on this host. Changes nothing.
     */
    static void checkForDelta(Path dir, RestorePlan plan, List<RunningClusters.Postmaster> running) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            TablespaceLinks.check(plan.tablespaceLinks(), dir, running); // a plain restore
            return;
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw notADirectory(dir, "PGDATA");
        }
        // Any postmaster.pid refuses, as pgBackRest's delta does: a live process is not always
        // visible from here (a single-user backend writes -pid, another PID namespace or host on
        // shared storage, backends left by a killed postmaster); the operator who knows it is
        // stopped removes the file.
        Path pid = dir.resolve("postmaster.pid");
        if (Files.exists(pid, LinkOption.NOFOLLOW_LINKS)) {
            String first = Files.isRegularFile(pid, LinkOption.NOFOLLOW_LINKS) ? RunningClusters.firstLineOf(pid) : "";
            boolean alive = first.matches("-?\\d{1,10}")
                    && ProcessHandle.of(Math.abs(Long.parseLong(first))).map(ProcessHandle::isAlive).orElse(false);
            throw new TargetDirectoryException(alive
                    ? "a postmaster (pid " + first + ") is running in " + dir + ": stop it before a delta restore; nothing was changed"
                    : dir + " holds postmaster.pid" + (first.isEmpty() ? "" : " (pid " + first + ", not running here)")
                            + ": PostgreSQL may still be running; once it is surely stopped, remove postmaster.pid"
                            + " and run the delta restore again; nothing was changed");
        }
        UserPrincipal me = currentUser(dir);
        UserPrincipal owner = Files.getOwner(dir);
        if (!owner.equals(me) && !isRoot()) {
            throw new TargetDirectoryException("PGDATA " + dir + " is owned by " + owner.getName() + ", not by "
                    + me.getName() + " who runs the restore: restore as " + owner.getName());
        }
        TablespaceLinks.checkForDelta(plan.tablespaceLinks(), dir, running);
    }

    /**
     * Creates {@code dir} (and missing parents) or takes over the existing one (empty, or a delta
     * restore's); owner-only mode.
     */
    static void prepare(Path dir, int mode) throws IOException {
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(dir.toAbsolutePath().getParent());
                Files.createDirectory(dir, Modes.attribute(Modes.OWNER_ONLY_DIR));
            } else {
                UserPrincipal me = currentUser(dir);
                if (!Files.getOwner(dir).equals(me)) {
                    Files.setOwner(dir, me);
                }
            }
            Files.setPosixFilePermissions(dir, Modes.of(mode));
        } catch (FileSystemException e) {
            // Java's message is often the bare path: say what failed and why
            throw new TargetDirectoryException("cannot create or take over " + dir + ": "
                    + (e.getReason() != null ? e.getReason()
                            : e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.getClass().getSimpleName()));
        }
    }

    private static String firstEntry(Path dir) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            Iterator<Path> it = entries.iterator();
            return it.hasNext() ? it.next().getFileName().toString() : null;
        }
    }

    private static UserPrincipal currentUser(Path near) throws IOException {
        return near.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(System.getProperty("user.name"));
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
