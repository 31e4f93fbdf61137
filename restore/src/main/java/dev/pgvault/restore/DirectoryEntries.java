package dev.pgvault.restore;

import dev.pgvault.archiver.backup.DirectoryEntry;
import dev.pgvault.archiver.backup.FileEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Creates the backup's directories, empty ones included, and its tablespace links. Directories
 * start out owner-writable so files can be created in them; {@link #applyModes} gives them their
 * recorded modes once every file is in place.
 */
final class DirectoryEntries {
    private DirectoryEntries() {}

    static void create(RestorePlan plan, Path pgdata) throws IOException {
        List<DirectoryEntry> links = plan.tablespaceLinks();
        for (DirectoryEntry d : plan.directories()) {
            if (!underLink(d, links)) {
                mkdir(pgdata.resolve(d.path()));
            }
        }
        TablespaceLinks.create(links, pgdata);
        for (DirectoryEntry d : plan.directories()) {
            if (underLink(d, links)) {
                mkdir(pgdata.resolve(d.path()));
            }
        }
    }

    /** Missing parents of files (a manifest need not list every directory) are created owner-only. */
    static void createParent(Path file) throws IOException {
        Path parent = file.getParent();
        if (!Files.isDirectory(parent)) {
            Files.createDirectories(parent, Modes.attribute(Modes.OWNER_ONLY_DIR));
        }
    }

    /** Deepest first, so a parent's mode never stops a child's change. */
    static void applyModes(RestorePlan plan, Path pgdata) throws IOException {
        List<DirectoryEntry> dirs = plan.directories();
        for (int i = dirs.size() - 1; i >= 0; i--) {
            Files.setPosixFilePermissions(pgdata.resolve(dirs.get(i).path()), Modes.of(dirs.get(i).mode()));
        }
    }

    /** fsyncs every directory that gained an entry, so the restored names are durable too. */
    static void syncAll(RestorePlan plan, Path pgdata) throws IOException {
        Set<Path> dirs = new LinkedHashSet<>();
        for (DirectoryEntry d : plan.directories()) {
            dirs.add(pgdata.resolve(d.path()));
        }
        for (DirectoryEntry l : plan.tablespaceLinks()) {
            dirs.add(Path.of(l.linkTarget()));
            dirs.add(pgdata.resolve(l.path()).getParent());
        }
        for (FileEntry f : plan.emptyFiles()) {
            dirs.add(pgdata.resolve(f.path()).getParent());
        }
        for (ObjectTask t : plan.objects()) {
            for (FileEntry f : t.files()) {
                dirs.add(pgdata.resolve(f.path()).getParent());
            }
        }
        for (Path dir : dirs) {
            FileSyncer.sync(dir);
        }
        FileSyncer.sync(pgdata);
    }

    private static void mkdir(Path dir) throws IOException {
        if (Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return; // a delta restore keeps the directories it finds (DeltaSync removed any other kind of entry)
        }
        createParent(dir);
        Files.createDirectory(dir, Modes.attribute(Modes.OWNER_ONLY_DIR));
    }

    private static boolean underLink(DirectoryEntry d, List<DirectoryEntry> links) {
        return underLink(d.path(), links);
    }

    /** Whether {@code path} lies under one of the tablespace {@code links} (written through it). */
    static boolean underLink(String path, List<DirectoryEntry> links) {
        for (DirectoryEntry l : links) {
            if (path.startsWith(l.path() + "/")) {
                return true;
            }
        }
        return false;
    }
}
