package dev.pgvault.archiver.backup;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * Lists what a base backup copies from PGDATA and its tablespaces. Tablespaces are the symbolic
 * links in pg_tblspc: each is recorded as a directory with its link target, and its files are
 * listed under {@code pg_tblspc/<oid>/...}, as PostgreSQL reaches them. Files and directories that
 * vanish while the scan runs (PostgreSQL drops relations at any time) are left out.
 */
public final class DataDirectoryScan {

    /** The scan's findings, each list sorted by path. */
    public record Result(List<DirectoryEntry> directories, List<SourceFile> files) {}

    private final ExclusionRules rules;
    private final List<DirectoryEntry> directories = new ArrayList<>();
    private final List<SourceFile> files = new ArrayList<>();

    private DataDirectoryScan(ExclusionRules rules) {
        this.rules = rules;
    }

    public static Result scan(Path pgdata, ExclusionRules rules) throws IOException {
        if (!Files.isDirectory(pgdata)) {
            throw new NoSuchFileException(pgdata.toString(), null, "pg.data is not a directory");
        }
        if (!Files.isRegularFile(pgdata.resolve("PG_VERSION"))) {
            throw new IOException(pgdata + " is not a PostgreSQL data directory (no PG_VERSION): check pg.data");
        }
        DataDirectoryScan scan = new DataDirectoryScan(rules);
        scan.walk(pgdata, "");
        scan.directories.sort((a, b) -> a.path().compareTo(b.path()));
        scan.files.sort((a, b) -> a.path().compareTo(b.path()));
        return new Result(List.copyOf(scan.directories), List.copyOf(scan.files));
    }

    private void walk(Path dir, String rel) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                names.add(p.getFileName().toString());
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return; // dropped while we looked
        } catch (AccessDeniedException e) {
            throw new AccessDeniedException(dir.toString(), null,
                    "cannot list it: permission denied (run the backup as the user that owns pg.data)");
        }
        Collections.sort(names);
        Set<String> unlogged = RelationFiles.isDatabaseDirectory(rel) ? ExclusionRules.unloggedFiles(names) : Set.of();
        for (String name : names) {
            String path = rel.isEmpty() ? name : rel + "/" + name;
            Path child = dir.resolve(name);
            PosixFileAttributes attrs;
            try {
                attrs = Files.readAttributes(child, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (attrs.isSymbolicLink()) {
                    String target = ExclusionRules.isTablespaceLink(path) ? Files.readSymbolicLink(child).toString() : null;
                    attrs = Files.readAttributes(child, PosixFileAttributes.class); // what it points to
                    if (target != null && attrs.isDirectory()) {
                        directories.add(new DirectoryEntry(path, mode(attrs.permissions()), target));
                        walk(child, path);
                        continue;
                    }
                }
            } catch (NoSuchFileException e) {
                continue; // vanished, or a dangling link
            }
            if (attrs.isDirectory()) {
                ExclusionRules.DirectoryVerdict verdict = rules.directory(path);
                if (verdict == ExclusionRules.DirectoryVerdict.SKIP) {
                    continue;
                }
                directories.add(new DirectoryEntry(path, mode(attrs.permissions()), null));
                if (verdict == ExclusionRules.DirectoryVerdict.COPY) {
                    walk(child, path);
                }
            } else if (attrs.isRegularFile() && rules.copyFile(path) && !unlogged.contains(name)) {
                files.add(new SourceFile(path, child, attrs.size(), attrs.lastModifiedTime().toMillis() / 1000,
                        mode(attrs.permissions())));
            }
            // Sockets, pipes and devices have no place in PGDATA: left out.
        }
    }

    /** Permission bits as a number, e.g. 0600. */
    static int mode(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission p : permissions) {
            mode |= switch (p) {
                case OWNER_READ -> 0400;
                case OWNER_WRITE -> 0200;
                case OWNER_EXECUTE -> 0100;
                case GROUP_READ -> 040;
                case GROUP_WRITE -> 020;
                case GROUP_EXECUTE -> 010;
                case OTHERS_READ -> 04;
                case OTHERS_WRITE -> 02;
                case OTHERS_EXECUTE -> 01;
            };
        }
        return mode;
    }
}
