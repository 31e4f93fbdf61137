package dev.pgvault.ha.pg;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Files the agent writes into a data directory, owned like the directory: the agent may run as
 * root while PostgreSQL runs as postgres, and PostgreSQL must be able to read (and later rewrite)
 * them. Mode 0600 for files and 0700 for directories, as PostgreSQL wants.
 */
final class DataFiles {
    private DataFiles() {}

    /** Replaces {@code file} atomically (a temporary file beside it, then a rename). */
    static void write(Path file, String content) throws IOException {
        write(file, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Replaces {@code file} atomically (a temporary file beside it, then a rename). */
    static void write(Path file, byte[] content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = dir.resolve(file.getFileName() + ".pgvault-tmp");
        Files.write(tmp, content);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        ownLike(tmp, dir);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** {@link #write}, and the rename made durable too: for what PostgreSQL reads after a crash. */
    static void writeDurably(Path file, byte[] content) throws IOException {
        write(file, content);
        syncDirectoryOf(file);
    }

    /** Deletes {@code file} if it exists, the removal made durable; whether it existed. */
    static boolean deleteDurably(Path file) throws IOException {
        boolean existed = Files.deleteIfExists(file);
        if (existed) {
            syncDirectoryOf(file);
        }
        return existed;
    }

    private static void syncDirectoryOf(Path file) throws IOException {
        try (FileChannel dir = FileChannel.open(file.toAbsolutePath().getParent())) {
            dir.force(true);
        }
    }

    static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }

    /** Creates the empty directory {@code dir}, mode 0700, owned like {@code like}. */
    static void createLike(Path dir, Path like) throws IOException {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        ownLike(dir, like);
    }

    /** True when {@code dir} does not exist or holds nothing. */
    static boolean emptyOrMissing(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return true;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return !entries.iterator().hasNext();
        }
    }

    /** Deletes everything below {@code dir}, keeping {@code dir}; links are removed, not followed. */
    static void deleteContents(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir)) {
                    Files.delete(p);
                }
            }
        }
    }

    private static void ownLike(Path path, Path like) throws IOException {
        if (!"root".equals(System.getProperty("user.name"))) {
            return; // the agent runs as the cluster's owner: what it creates is already that user's
        }
        PosixFileAttributes want = Files.readAttributes(like, PosixFileAttributes.class);
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        PosixFileAttributes have = view.readAttributes();
        // only when different: changing a file's owner is root's privilege
        if (!have.owner().equals(want.owner())) {
            view.setOwner(want.owner());
        }
        if (!have.group().equals(want.group())) {
            view.setGroup(want.group());
        }
    }
}
