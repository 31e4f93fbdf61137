package dev.pgvault.restore;

import dev.pgvault.archiver.backup.DirectoryEntry;
import dev.pgvault.archiver.backup.FileEntry;
import dev.pgvault.archiver.backup.FilePart;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The first half of a delta restore ({@code restore --delta}): makes an existing, stopped data
 * directory ready for the normal restore steps to bring it to exactly what a restore into an
 * empty directory writes, while keeping every file that already holds the backup's bytes.
 * <ol>
 * <li>first removes what makes the directory startable ({@code global/pg_control}, the signal
 * files, {@code backup_label}, {@code tablespace_map}), and what PostgreSQL renamed the last two
 * to as it started, durably: a delta restore stopped at any moment leaves a directory PostgreSQL
 * refuses to start, whose files no label vouches for, and the next one finishes it;
 * <li>removes every file, link and directory the backup does not hold (links are removed, never
 * followed);
 * <li>reads every remaining file the backup holds and keeps it only when its size and SHA-256
 * are the manifest's (given back its mode and time), or, with {@code --trust-times}, judges a
 * file the last finished restore left untouched from that restore's manifest without reading it
 * ({@link RestoredCopy}); the others are written again, over the
 * existing file in place where there is one, block by block, writing only the 8 KiB blocks that
 * differ (a bundle's object is read whole, but only its stale files are written; of a split file
 * of the backup's size, only the parts that differ);
 * <li>returns the plan reduced to what is left to write.
 * </ol>
 * Tablespaces: a link to another place than the backup's location is replaced (never followed);
 * under a link, only the entries the backup has at the top of the location (its {@code
 * PG_15_...} directory) are brought to the backup's, and anything else there is left alone: a
 * location may hold another major version's directory ({@link TablespaceLinks#checkForDelta}
 * decides beforehand which locations a delta may write into).
 */
final class DeltaSync {
    /** The plan reduced to what is left to write, and what the delta found. */
    record Result(RestorePlan plan, DeltaSummary summary) {}

    private DeltaSync() {}

    /**
     * {@code copy} vouches for the files a finished restore left untouched ({@link
     * RestoredCopy#NONE}: for none): those are judged from that restore's manifest, not read.
     */
    static Result apply(RestorePlan plan, Path pgdata, int threads, RestoredCopy copy) throws IOException, InterruptedException {
        if (!Files.isDirectory(pgdata, LinkOption.NOFOLLOW_LINKS)) {
            return new Result(plan, DeltaSummary.NONE); // nothing to keep: a plain restore
        }
        Path global = pgdata.resolve("global");
        if (Files.exists(global, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(global, LinkOption.NOFOLLOW_LINKS)) {
            Files.delete(global); // a link or file: never deleted through
        } else if (Files.exists(global, LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(pgdata.resolve(RestorePlan.PG_CONTROL));
            FileSyncer.sync(global);
        }
        // and the old label and map of a start since a restore: they vouch for files (RestoredCopy)
        for (String f : List.of("recovery.signal", "standby.signal", "backup_label", "tablespace_map",
                RestoredLabel.BACKUP_LABEL_OLD, RestoredLabel.TABLESPACE_MAP_OLD)) {
            Path p = pgdata.resolve(f);
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                removeTree(p); // a directory of that name would fail every delta from here on
            } else {
                Files.deleteIfExists(p);
            }
        }
        FileSyncer.sync(pgdata);

        List<FileEntry> files = new ArrayList<>(plan.emptyFiles());
        files.addAll(plan.splitFiles());
        for (ObjectTask t : plan.objects()) {
            if (t.part() == null) {
                files.addAll(t.files());
            }
        }
        int removed = removeWhatTheBackupLacks(plan, files, pgdata);

        // an incremental's file stored as pages: the plan restores its base, then the pages over it
        Map<String, FileEntry> pagedByPath = new HashMap<>();
        plan.pagedFiles().forEach(f -> pagedByPath.put(f.path(), f));
        Stale found = staleFiles(files, pgdata, threads, copy, pagedByPath, plan.manifest().id());
        Set<String> stale = found.files();
        stale.add(RestorePlan.PG_CONTROL); // always written again, last: see RecoveryFiles
        // by path: a FileEntry's equals compares every field, and a List's contains every element
        Set<String> emptyPaths = new HashSet<>();
        plan.emptyFiles().forEach(f -> emptyPaths.add(f.path()));
        Set<String> splitPaths = new HashSet<>();
        plan.splitFiles().forEach(f -> splitPaths.add(f.path()));
        // Each stale file is written over in place (only its blocks that differ) or created anew,
        // decided once: a split file of the backup's size written over in place gets only its
        // parts that differ, and one created anew with only those would hold zeros elsewhere.
        Set<String> patched = new HashSet<>();
        for (FileEntry f : files) {
            if (stale.contains(f.path()) && !emptyPaths.contains(f.path()) && patchable(pgdata.resolve(f.path()))) {
                patched.add(f.path());
            }
        }
        // An object is still read whole (its digest is checked at its end), but of a bundle only
        // the stale files are written.
        List<ObjectTask> tasks = new ArrayList<>();
        for (ObjectTask t : plan.objects()) {
            List<FileEntry> write = t.files().stream().filter(f -> stale.contains(f.path())).toList();
            if (write.isEmpty()) {
                continue;
            }
            if (t.part() != null) {
                String path = t.files().get(0).path();
                Set<Long> differ = found.parts().get(path);
                if (patched.contains(path) && differ != null && !differ.contains(t.part().offset())) {
                    continue; // this range of the file already holds the backup's bytes
                }
            }
            tasks.add(t.part() == null ? new ObjectTask(t.backup(), t.object(), write) : t);
        }
        List<FileEntry> empty = new ArrayList<>();
        List<FileEntry> split = new ArrayList<>();
        int keptFiles = 0;
        long keptBytes = 0;
        for (FileEntry f : files) {
            Path file = pgdata.resolve(f.path());
            boolean isEmpty = emptyPaths.contains(f.path());
            if (stale.contains(f.path())) {
                if (!patched.contains(f.path())) {
                    removed += Files.deleteIfExists(file) ? 1 : 0;
                }
                if (isEmpty) {
                    empty.add(f);
                } else if (splitPaths.contains(f.path())) {
                    split.add(f);
                }
            } else {
                // a paged file judged whole is kept as the backup lists it, its pages not written again
                FileEntry kept = found.assembled().contains(f.path()) ? pagedByPath.get(f.path()) : f;
                if (!found.settled().contains(f.path())) {
                    Files.setPosixFilePermissions(file, Modes.of(kept.mode()));
                    Files.setLastModifiedTime(file, FileTime.from(kept.mtime(), TimeUnit.SECONDS));
                }
                keptFiles++;
                keptBytes += kept.size();
            }
        }
        List<FileEntry> paged = plan.pagedFiles().stream().filter(f -> !found.assembled().contains(f.path())).toList();
        RestorePlan reduced = new RestorePlan(plan.manifest(), plan.rootMode(), plan.directories(),
                plan.tablespaceLinks(), empty, split, tasks, paged, plan.skipped(), patched);
        return new Result(reduced, new DeltaSummary(keptFiles, keptBytes, patched.size(), removed, copy.vouches(), found.notHashed().size(),
                copy.whyNone()));
    }

    /**
     * Brings the shape of {@code pgdata} (and of the tablespace locations) to the backup's:
     * every directory the backup has (listed, or a parent of what it has) is made a real one
     * before anything is read or written under it, shallowest first, PGDATA's own before the
     * tablespace links are made right and those under the links after (a link at pg_tblspc is
     * removed before pg_tblspc/&lt;oid&gt; is looked at); then every entry the backup does not
     * hold is removed. Returns how many entries were removed.
     */
    private static int removeWhatTheBackupLacks(RestorePlan plan, List<FileEntry> files, Path pgdata) throws IOException {
        List<DirectoryEntry> links = plan.tablespaceLinks();
        Set<String> filePaths = new HashSet<>();
        files.forEach(f -> filePaths.add(f.path()));
        Set<String> linkPaths = new HashSet<>();
        links.forEach(l -> linkPaths.add(l.path()));
        Set<String> wanted = new HashSet<>(filePaths);
        wanted.addAll(linkPaths);
        plan.directories().forEach(d -> wanted.add(d.path()));
        for (String w : List.copyOf(wanted)) { // a manifest need not list every parent directory
            for (Path p = Path.of(w).getParent(); p != null; p = p.getParent()) {
                wanted.add(p.toString());
            }
        }
        List<String> dirs = wanted.stream().filter(w -> !filePaths.contains(w) && !linkPaths.contains(w))
                .sorted(Comparator.comparingInt((String w) -> Path.of(w).getNameCount()).thenComparing(w -> w)).toList();
        int removed = removeNonDirectories(pgdata, dirs.stream().filter(d -> !DirectoryEntries.underLink(d, links)).toList());
        removed += TablespaceLinks.replaceForDelta(links, pgdata);
        removed += removeNonDirectories(pgdata, dirs.stream().filter(d -> DirectoryEntries.underLink(d, links)).toList());
        removed += removeAllBut(pgdata, "", wanted);
        return removed + removeAllButInLocations(links, pgdata, wanted);
    }

    /**
     * Whether a stale file may be written over in place: a regular file this user can write, with
     * no other hard link (a {@code cp -al} safety copy or a {@code pg_upgrade --link} cluster
     * shares its blocks: those are never touched). Else it is removed and created anew.
     */
    private static boolean patchable(Path file) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || !Files.isWritable(file)) {
            return false;
        }
        return ((Number) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS)).intValue() == 1;
    }

    /** Removes a link or file at each of {@code dirs} (in order; never followed): the backup has a directory there. */
    private static int removeNonDirectories(Path pgdata, List<String> dirs) throws IOException {
        int removed = 0;
        for (String d : dirs) {
            Path dir = pgdata.resolve(d);
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(dir);
                removed++;
            }
        }
        return removed;
    }

    /**
     * Under each tablespace link, in each directory the backup has at the top of the location,
     * removes what the backup does not hold; the location's other entries are not the backup's
     * to judge.
     */
    private static int removeAllButInLocations(List<DirectoryEntry> links, Path pgdata, Set<String> wanted)
            throws IOException {
        int removed = 0;
        for (DirectoryEntry link : links) {
            String prefix = link.path() + "/";
            Set<String> tops = new TreeSet<>();
            for (String w : wanted) {
                if (w.startsWith(prefix)) {
                    tops.add(w.substring(prefix.length()).split("/", 2)[0]);
                }
            }
            for (String top : tops) {
                Path entry = pgdata.resolve(link.path()).resolve(top); // through the link
                // a file the backup has there is checked with the others; a directory of its is
                // never a link here (removeNonDirectories)
                if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    removed += removeAllBut(entry, prefix + top + "/", wanted);
                }
            }
        }
        return removed;
    }

    /**
     * Removes, deepest first, every entry under {@code root} whose path ({@code prefix} and its
     * path under {@code root}) is not {@code wanted}.
     */
    private static int removeAllBut(Path root, String prefix, Set<String> wanted) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(root)) { // never follows links
            all = s.filter(p -> !p.equals(root)).sorted(Comparator.reverseOrder()).toList();
        }
        int removed = 0;
        for (Path p : all) {
            String rel = prefix + root.relativize(p);
            if (!wanted.contains(rel) && Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    removeTree(p);
                } else {
                    Files.delete(p);
                }
                removed++;
            }
        }
        return removed;
    }

    static void removeTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /**
     * What {@link #staleFiles} found: the files that are not the backup's, and for a split file
     * of the backup's kind and size among them, the offsets of its parts that differ; the files
     * judged without being read, those of them kept that have the backup's mode and time, and
     * the paged files judged to hold their pages already.
     */
    private record Stale(Set<String> files, Map<String, Set<Long>> parts, Set<String> notHashed, Set<String> settled,
            Set<String> assembled) {}

    /**
     * The files that are not already the backup's: missing, of another kind, size or SHA-256.
     * Each part of a split file is hashed as a check of its own, largest checks first: the largest
     * table is one file, and hashing it on one thread bounded the whole delta (a 403 MB file took
     * 0.4 s of a scale-30 delta restore's 0.46 s of checks). A file {@code copy} judges is not
     * read, nor fsynced again: the restore that left it made it durable before its backup_label.
     */
    private static Stale staleFiles(List<FileEntry> files, Path pgdata, int threads, RestoredCopy copy,
            Map<String, FileEntry> pagedByPath, String backupId) throws IOException, InterruptedException {
        record Check(FileEntry file, FilePart part) {
            long bytes() {
                return part != null ? part.size() : file.size();
            }
        }
        Set<String> stale = new HashSet<>();
        Map<String, Set<Long>> staleParts = new HashMap<>();
        Set<String> notHashed = new HashSet<>();
        Set<String> settled = new HashSet<>();
        Set<String> assembled = new HashSet<>();
        List<Check> checks = new ArrayList<>();
        for (FileEntry f : files) {
            Path file = pgdata.resolve(f.path());
            FileEntry listed = pagedByPath.get(f.path());
            FileJudgement j = listed == null ? FileJudgement.UNKNOWN : copy.judgePaged(file, listed, backupId);
            if (j.same()) {
                assembled.add(f.path()); // already the base with the pages written over it
            } else {
                j = copy.judge(file, f); // f: the file, or the base a paged one's pages are written over
            }
            if (j.known()) {
                notHashed.add(f.path());
                if (j.settled()) {
                    settled.add(f.path());
                }
                if (!j.same()) {
                    stale.add(f.path());
                    if (!j.differingParts().isEmpty()) {
                        staleParts.put(f.path(), new HashSet<>(j.differingParts()));
                    }
                }
            } else if (!f.split()) {
                checks.add(new Check(f, null));
            } else if (!sameKindAndSize(pgdata.resolve(f.path()), f)) {
                stale.add(f.path());
            } else {
                f.parts().forEach(p -> checks.add(new Check(f, p)));
            }
        }
        checks.sort(Comparator.comparingLong(Check::bytes).reversed());
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (Check c : checks) {
                Path file = pgdata.resolve(c.file().path());
                results.add(pool.submit(() -> c.part() == null ? matches(file, c.file())
                        : sha256(file, c.part().offset(), c.part().size()).equalsIgnoreCase(c.part().sha256())));
            }
            for (int i = 0; i < checks.size(); i++) {
                if (!results.get(i).get()) {
                    Check c = checks.get(i);
                    stale.add(c.file().path());
                    if (c.part() != null) {
                        staleParts.computeIfAbsent(c.file().path(), k -> new HashSet<>()).add(c.part().offset());
                    }
                }
            }
            for (FileEntry f : files) {
                if (f.split() && !stale.contains(f.path()) && !notHashed.contains(f.path())) {
                    durable(pgdata.resolve(f.path())); // every part matched
                }
            }
            return new Stale(stale, staleParts, notHashed, settled, assembled);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Whether an unsplit file holds the backup's bytes, made durable when it does. */
    private static boolean matches(Path file, FileEntry f) throws IOException {
        return sameKindAndSize(file, f) && sha256(file, 0, f.size()).equalsIgnoreCase(f.sha256()) && durable(file);
    }

    /**
     * Whether {@code file} is a regular file of {@code f}'s size with no other name; a directory
     * where the backup has a file is removed.
     */
    private static boolean sameKindAndSize(Path file, FileEntry f) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
        if (a.isDirectory()) {
            removeTree(file); // a directory where the backup has a file
            return false;
        }
        if (!a.isRegularFile() || a.size() != f.size()) {
            return false;
        }
        // shared with another name: created anew, so setting its mode and time touches only ours
        return ((Number) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS)).intValue() == 1;
    }

    /**
     * fsyncs a file that is kept: an earlier restore killed before its fsync may have left it in
     * the page cache only, and this one is about to make the directory startable.
     */
    private static boolean durable(Path file) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, LinkOption.NOFOLLOW_LINKS)) {
            ch.force(true);
        }
        return true;
    }

    /** The SHA-256 of {@code size} bytes of {@code file} from {@code offset}. */
    private static String sha256(Path file, long offset, long size) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 16);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, LinkOption.NOFOLLOW_LINKS)) {
            long pos = offset;
            long end = offset + size;
            while (pos < end) {
                buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
                int n = ch.read(buf, pos);
                if (n < 0) {
                    return ""; // shorter than it was a moment ago: not the backup's bytes
                }
                md.update(buf.array(), 0, n);
                pos += n;
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
