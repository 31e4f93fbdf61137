package dev.pgvault.archiver.backup;

import dev.pgvault.archiver.RepositoryLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * One backup per stanza and repository at a time on this host: an advisory lock (fcntl) on a file
 * in the temporary directory. The operating system releases it when the process ends, however it
 * ends, so a killed backup never leaves a stale lock. The file itself stays; it only names the
 * holder for the message a second backup prints.
 */
public final class BackupLock implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;

    private BackupLock(Path path, FileChannel channel, FileLock lock) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * The lock file for {@code stanza} in {@code repository} (a description such as
     * "fs:/var/lib/pgvault"): named for the stanza, with a short hash of the repository so that
     * two repositories holding the same stanza name do not block each other.
     */
    public static Path lockFile(Path dir, String stanza, String repository) {
        return dir.resolve("pgvault-backup-" + stanza + "-" + RepositoryLayout.repositoryTag(repository) + ".lock");
    }

    /** Takes the lock or throws {@link BackupLockedException} naming it and its holder. */
    public static BackupLock acquire(Path file, String holder) throws IOException {
        Optional<BackupLock> lock = tryAcquire(file, holder);
        if (lock.isEmpty()) {
            String owner = holderOf(file);
            throw new BackupLockedException("another backup or expire of the stanza is running: lock " + file + " is held"
                    + (owner.isEmpty() ? "" : " by " + owner));
        }
        return lock.get();
    }

    /** Takes the lock, or returns empty when another process holds it ({@link #holderOf} says who). */
    public static Optional<BackupLock> tryAcquire(Path file, String holder) throws IOException {
        FileChannel ch = openOrCreate(file);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this very process
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            ch.close();
            return Optional.empty();
        }
        BackupLock held = new BackupLock(file, ch, lock);
        try {
            held.describe(holder);
        } catch (IOException e) {
            held.close();
            throw e;
        }
        return Optional.of(held);
    }

    /** What the holder of the lock wrote about itself, or "" when nothing can be read. */
    public static String holderOf(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return readHolder(ch);
        } catch (IOException e) {
            return "";
        }
    }

    /** Replaces the text that names the holder: a backup names its id once it has one. */
    public void describe(String holder) throws IOException {
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((holder + "\n").getBytes(StandardCharsets.UTF_8)), 0);
    }

    public Path path() {
        return path;
    }

    /**
     * Opens without creating first: where the kernel protects files in sticky directories
     * (fs.protected_regular), opening another user's file with O_CREAT fails even when its mode
     * allows writing. Never through a symbolic link, and only a regular file with no other name:
     * the file is truncated and written, and in a shared temporary directory another user could
     * have put a link to one of ours under its name (where fs.protected_symlinks and
     * fs.protected_hardlinks are off).
     */
    private static FileChannel open(Path file) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException | AccessDeniedException e) {
            throw e;
        } catch (IOException e) {
            if (Files.isSymbolicLink(file)) { // O_NOFOLLOW's ELOOP, a plain IOException in Java
                throw new FileSystemException(file.toString(), null, "the backup lock file is a"
                        + " symbolic link (to " + Files.readSymbolicLink(file) + "): not followed; remove it");
            }
            throw e;
        }
        try {
            requireLockFile(file);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return ch;
    }

    /**
     * Throws unless {@code file} is a regular file with one name. Checked by path just after the
     * open (Java gives no fstat of a channel): a swap in between needs a race as well as the
     * kernel protections off.
     */
    private static void requireLockFile(Path file) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileSystemException(file.toString(), null,
                    "the backup lock file is not a regular file: remove it");
        }
        Object links = Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
        if (links instanceof Number n && n.intValue() != 1) {
            throw new FileSystemException(file.toString(), null, "the backup lock file has " + n
                    + " names (a hard link to another file?): not written; remove it");
        }
    }

    private static FileChannel openOrCreate(Path file) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                return open(file);
            } catch (NoSuchFileException e) {
                try {
                    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                            StandardOpenOption.CREATE_NEW);
                    try {
                        // Whoever backs up next (root or postgres) must be able to take it too.
                        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
                    } catch (IOException | UnsupportedOperationException ignored) {
                        // best effort: the owner can still lock it
                    }
                    return ch;
                } catch (FileAlreadyExistsException raced) {
                    if (attempt > 3) {
                        throw raced;
                    }
                }
            } catch (AccessDeniedException e) {
                throw new AccessDeniedException(file.toString(), null,
                        "cannot open the backup lock file: permission denied (made by another OS user? run backups as one user)");
            }
        }
    }

    private static String readHolder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(256);
            ch.read(b, 0);
            return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
