package dev.pgvault.storage.fs;

import dev.pgvault.storage.BlobInfo;
import dev.pgvault.storage.BlobKeys;
import dev.pgvault.storage.BlobNotFoundException;
import dev.pgvault.storage.BlobStore;
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.StorageException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A blob store in a POSIX directory. A key is a relative path under the root. Writes go to a
 * hidden temporary file in the target directory, are fsynced, then renamed into place (or
 * hard-linked, for create-if-absent), and the directory is fsynced: after a crash a key holds
 * either its old bytes or its new ones, never a mix.
 */
public final class FsBlobStore implements BlobStore {

    /** Temporary files start with this, so listings can skip writes in flight or left by a crash. */
    static final String TEMP_PREFIX = ".pgvault-tmp.";

    private final Path root;

    public FsBlobStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    @Override
    public void put(String key, BlobWriter content) throws IOException {
        Path target = resolve(key);
        Path temp = writeTemp(target, content);
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw new StorageException("cannot store '" + key + "' in " + describe() + ": " + e, e);
        }
        fsyncDirectory(target.getParent());
    }

    @Override
    public boolean create(String key, BlobWriter content) throws IOException {
        Path target = resolve(key);
        if (Files.exists(target)) {
            return false;
        }
        Path temp = writeTemp(target, content);
        try {
            // link(2) fails if the name exists: an atomic create-if-absent, unlike rename(2).
            Files.createLink(target, temp);
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException | UnsupportedOperationException e) {
            throw new StorageException("cannot store '" + key + "' in " + describe() + ": " + e, e);
        } finally {
            Files.deleteIfExists(temp);
        }
        fsyncDirectory(target.getParent());
        return true;
    }

    private Path writeTemp(Path target, BlobWriter content) throws IOException {
        Path dir = target.getParent();
        if (!Files.isDirectory(dir)) {
            createDirectoriesDurably(dir);
        }
        Path temp = dir.resolve(TEMP_PREFIX + target.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        FileChannel opened;
        try {
            opened = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            // deleteAll removed the directory, emptied, between the check and the create
            createDirectoriesDurably(dir);
            opened = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        }
        try (FileChannel ch = opened) {
            OutputStream out = new BufferedOutputStream(new Unclosable(Channels.newOutputStream(ch)), 1 << 16);
            content.writeTo(out);
            out.flush();
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        return temp;
    }

    /** Creates {@code dir} and its missing parents, fsyncing each new entry's parent directory. */
    private void createDirectoriesDurably(Path dir) throws IOException {
        java.util.ArrayDeque<Path> missing = new java.util.ArrayDeque<>();
        for (Path p = dir; p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        for (Path p : missing) {
            try {
                Files.createDirectory(p);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(p)) {
                    throw new StorageException("cannot create directory " + p + ": a file is in the way", e);
                }
                continue; // created by a concurrent writer
            } catch (IOException e) {
                throw new StorageException("cannot create directory " + p + ": " + e, e);
            }
            fsyncDirectory(p.getParent());
        }
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    @Override
    public InputStream get(String key, long offset) throws IOException {
        Path file = resolve(key);
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new BlobNotFoundException(describe(), key);
        }
        try {
            if (offset > 0) {
                ch.position(offset);
            }
            return Channels.newInputStream(ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public Optional<BlobInfo> stat(String key) throws IOException {
        Path file = resolve(key);
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return a.isRegularFile() ? Optional.of(info(key, a)) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public Stream<BlobInfo> list(String prefix) throws IOException {
        BlobKeys.checkPrefix(prefix);
        int slash = prefix.lastIndexOf('/');
        Path dir = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
        if (!Files.isDirectory(dir)) {
            return Stream.empty();
        }
        return walk(dir, prefix, 0).filter(info -> info.key().startsWith(prefix));
    }

    /** Deeper than any key pgvault writes: a deeper tree is a symbolic link loop. */
    private static final int MAX_DEPTH = 32;

    /**
     * The blobs under {@code dir}, one directory read at a time as the stream is consumed.
     * Not Files.walk: it fails the whole listing when an entry vanishes between the directory
     * read and its stat, which is what a concurrent writer's temporary file or a concurrent
     * delete does; `info` during a running backup must not fail for that. Follows symbolic
     * links: an operator may have moved wal/ elsewhere and linked it back.
     */
    private Stream<BlobInfo> walk(Path dir, String prefix, int depth) {
        if (depth > MAX_DEPTH) {
            throw new UncheckedIOException(new StorageException(
                    "cannot list " + dir + ": nested more than " + MAX_DEPTH + " deep (a symbolic link loop?)"));
        }
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                if (!child.getFileName().toString().startsWith(TEMP_PREFIX)) {
                    entries.add(child);
                }
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return Stream.empty(); // removed, or replaced, while listing
        } catch (IOException e) {
            throw new UncheckedIOException(new StorageException("cannot list " + dir + ": " + e, e));
        }
        entries.sort(null); // keys in order within a directory, as S3 lists them
        return entries.stream().flatMap(p -> visit(p, prefix, depth));
    }

    private Stream<BlobInfo> visit(Path p, String prefix, int depth) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return Stream.empty(); // deleted while listing
        } catch (IOException e) {
            throw new UncheckedIOException(new StorageException("cannot list " + p + ": " + e, e));
        }
        if (a.isDirectory()) {
            String under = keyOf(p) + "/";
            boolean mayMatch = under.startsWith(prefix) || prefix.startsWith(under);
            return mayMatch ? walk(p, prefix, depth + 1) : Stream.empty();
        }
        return a.isRegularFile() ? Stream.of(info(keyOf(p), a)) : Stream.empty();
    }

    private String keyOf(Path p) {
        return root.relativize(p).toString().replace(java.io.File.separatorChar, '/');
    }

    private static BlobInfo info(String key, BasicFileAttributes a) {
        return new BlobInfo(key, a.size(), a.lastModifiedTime().toInstant());
    }

    @Override
    public void delete(String key) throws IOException {
        Path file = resolve(key);
        if (Files.deleteIfExists(file)) {
            fsyncDirectory(file.getParent());
        }
    }

    /**
     * Deletes the files, fsyncs each directory they were in once, and removes the directories
     * left empty (a deleted backup leaves no tree of empty directories behind). A writer that
     * finds its directory removed under it creates it again ({@link #writeTemp}).
     */
    @Override
    public void deleteAll(Collection<String> keys) throws IOException {
        TreeSet<Path> dirs = new TreeSet<>(Comparator.reverseOrder());
        for (String key : keys) {
            Path file = resolve(key);
            if (Files.deleteIfExists(file)) {
                dirs.add(file.getParent());
            }
        }
        TreeSet<Path> parents = new TreeSet<>(Comparator.reverseOrder());
        // Deepest first, so a directory emptied by removing its last subdirectory goes too.
        while (!dirs.isEmpty()) {
            Path dir = dirs.pollFirst();
            if (!dir.equals(root) && dir.startsWith(root) && removeIfEmpty(dir)) {
                dirs.add(dir.getParent());
            } else if (Files.isDirectory(dir)) {
                parents.add(dir);
            }
        }
        for (Path dir : parents) {
            fsyncDirectory(dir);
        }
    }

    private static boolean removeIfEmpty(Path dir) throws IOException {
        try {
            Files.delete(dir);
            return true;
        } catch (DirectoryNotEmptyException | NoSuchFileException e) {
            return false;
        }
    }

    @Override
    public boolean atomicCreate() {
        return true;
    }

    @Override
    public String describe() {
        return "fs:" + root;
    }

    @Override
    public void close() {}

    private Path resolve(String key) throws IOException {
        BlobKeys.check(key);
        if (key.startsWith(TEMP_PREFIX) || key.contains("/" + TEMP_PREFIX)) {
            throw new IllegalArgumentException("object key uses the reserved prefix " + TEMP_PREFIX + ": '" + key + "'");
        }
        Path p = root.resolve(key);
        if (!Files.isDirectory(root)) {
            throw new StorageException("repository directory " + root + (Files.exists(root) ? " is not a directory" : " does not exist"));
        }
        return p;
    }

    /** Keeps a writer from closing the channel before it is fsynced. */
    private static final class Unclosable extends java.io.FilterOutputStream {
        Unclosable(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
