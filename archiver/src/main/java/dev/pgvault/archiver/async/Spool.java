package dev.pgvault.archiver.async;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.wal.WalFileName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The spool of one stanza and repository on this host: where the resident archiver records
 * what it has done, so that a call whose work is done is answered without the repository (by
 * the launcher script, without a JVM). Its layout is the protocol between the two:
 * <pre>
 * &lt;spool&gt;/&lt;stanza&gt;-&lt;hash of the repository&gt;/
 *     daemon.lock, daemon.pid, daemon.log, status.json   the resident archiver
 *     protocol                   the version of this layout the running archiver writes
 *                                ({@link #PROTOCOL}); the launcher and the JVM believe nothing
 *                                else in the spool unless it is theirs (an upgrade while an older
 *                                archiver runs): they do the work themselves, and the JVM retires
 *                                that archiver and starts its own
 *     wal-dir                    the pg_wal directory it pushes from (absolute)
 *     push/&lt;name&gt;              a push done: a hard link to the very file pushed ...
 *     push/&lt;name&gt;.mtime        ... and an empty file with its modification time: the launcher
 *                                compares both with shell tests alone (-ef, -nt, -ot)
 *     push/&lt;name&gt;.stamp        instead of both where pg_wal is on another filesystem: the
 *                                file's {@link SegmentStamp}, which the launcher compares by stat
 *     push/&lt;name&gt;.error        the last failure pushing it, one line
 *     get/&lt;name&gt;               a file fetched ahead, verified, renamed into place when complete
 *     get/&lt;name&gt;.pending       being fetched: a call waits for it while the archiver runs
 *     get/&lt;name&gt;.missing       the repository had no such file when looked up at the mark's
 *                                modification time for the call the mark names (its pid; "ahead"
 *                                for a fetch ahead): an answer to that call's request alone
 *     get/&lt;name&gt;.failed        the last fetch of it failed: calls asked before it go to the JVM
 *     get/&lt;name&gt;.taken         a call took the file: not fetched again for requests older,
 *                                nor for one as old made by the call it names (its pid)
 *     get/requested              the last name recovery asked for and the pid of the call that
 *                                asked: fetched itself, and the segments after it ahead; its
 *                                modification time is the request's
 *     counters                   this host's archive-push and backup counters, for metrics
 *                                ({@link dev.pgvault.archiver.metrics.HostCounters}), async or not
 * </pre>
 * Files are written through a temporary name and renamed, so a reader never sees half of one.
 * The directory is the PostgreSQL user's alone (0700).
 */
public final class Spool {
    /**
     * The layout's version. Raise it whenever a file above changes meaning; bin/pgvault checks
     * the same number (a test compares the two).
     */
    public static final String PROTOCOL = "3";

    private final Path dir;

    private Spool(Path dir) {
        this.dir = dir;
    }

    /** The spool of {@code stanza} in the repository described as {@code repository}, under {@code root}. */
    public static Spool of(Path root, String stanza, String repository) {
        return new Spool(root.resolve(stanza + "-" + RepositoryLayout.repositoryTag(repository)));
    }

    public Path dir() {
        return dir;
    }

    /** This host's counters for the stanza and repository, kept here whether archiving is async or not. */
    public dev.pgvault.archiver.metrics.HostCounters counters() {
        return dev.pgvault.archiver.metrics.HostCounters.at(dir.resolve("counters"));
    }

    public Path pushDir() {
        return dir.resolve("push");
    }

    public Path getDir() {
        return dir.resolve("get");
    }

    Path protocolFile() {
        return dir.resolve("protocol");
    }

    /** Whether the archiver that runs (or ran) here writes this version of the layout. */
    public boolean speaksThisProtocol() {
        try {
            return read(protocolFile()).map(s -> s.strip().equals(PROTOCOL)).orElse(false);
        } catch (IOException e) {
            return false; // unreadable: believe nothing in it
        }
    }

    /** Retires an archiver of another version: it exits once its lock file is gone, and a new one takes a new lock. */
    public void retireArchiver() throws IOException {
        Files.deleteIfExists(lockFile());
    }

    Path lockFile() {
        return dir.resolve("daemon.lock");
    }

    public Path pidFile() {
        return dir.resolve("daemon.pid");
    }

    public Path logFile() {
        return dir.resolve("daemon.log");
    }

    public Path statusFile() {
        return dir.resolve("status.json");
    }

    /** Creates the directories, readable by this user only; recreates them if removed meanwhile. */
    public Spool create() throws IOException {
        for (Path d : List.of(dir.getParent(), dir, pushDir(), getDir())) {
            if (!Files.isDirectory(d)) {
                try {
                    Files.createDirectories(d);
                    if (!d.equals(dir.getParent())) {
                        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
                    }
                } catch (FileAlreadyExistsException e) {
                    throw new IOException("archive spool " + d + " is in the way: not a directory");
                }
            }
        }
        return this;
    }

    /**
     * Records that {@code segment} was pushed, durable in the repository, while it was stamped
     * {@code stamp}. The hard link is written last: it is what makes the record.
     */
    public void recordPushed(Path segment, SegmentStamp stamp) throws IOException {
        String name = segment.getFileName().toString();
        Path link = pushDir().resolve(name);
        Path mtime = pushDir().resolve(name + ".mtime");
        Files.deleteIfExists(link);
        Files.deleteIfExists(pushDir().resolve(name + ".error"));
        Files.writeString(mtime, "");
        Files.setLastModifiedTime(mtime, FileTime.from(stamp.mtimeNanos(), TimeUnit.NANOSECONDS));
        try {
            Files.createLink(link, segment);
        } catch (FileSystemException e) {
            // another filesystem (EXDEV) or no links there: the stamp, which the launcher compares by stat
            Files.deleteIfExists(mtime);
            writeAtomically(pushDir().resolve(name + ".stamp"), stamp.text() + "\n");
            return;
        }
        if (!SegmentStamp.of(link).equals(stamp)) {
            forgetPush(name); // changed since it was stamped: not the file pushed
        }
    }

    /** Whether {@code segment} is the very file recorded as pushed (same inode and modification time, or stamp). */
    public boolean pushed(Path segment) throws IOException {
        String name = segment.getFileName().toString();
        SegmentStamp now = SegmentStamp.of(segment);
        Path link = pushDir().resolve(name);
        if (Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Path mtime = pushDir().resolve(name + ".mtime");
            return Files.isSameFile(link, segment) && Files.exists(mtime)
                    && Files.getLastModifiedTime(mtime).to(TimeUnit.NANOSECONDS) == now.mtimeNanos();
        }
        return read(pushDir().resolve(name + ".stamp")).map(s -> s.strip().equals(now.text())).orElse(false);
    }

    /** Drops what records the push of {@code name}: the link first, so no half record is believed. */
    public void forgetPush(String name) throws IOException {
        Files.deleteIfExists(pushDir().resolve(name));
        Files.deleteIfExists(pushDir().resolve(name + ".mtime"));
        Files.deleteIfExists(pushDir().resolve(name + ".stamp"));
        Files.deleteIfExists(pushDir().resolve(name + ".error"));
    }

    public void recordPushError(String name, String message) throws IOException {
        writeAtomically(pushDir().resolve(name + ".error"), message.replace('\n', ' ') + "\n");
    }

    public void writeWalDir(Path walDir) throws IOException {
        String text = walDir.toAbsolutePath().normalize() + "\n";
        if (!read(dir.resolve("wal-dir")).map(text::equals).orElse(false)) {
            writeAtomically(dir.resolve("wal-dir"), text);
        }
    }

    public Optional<Path> walDir() throws IOException {
        return read(dir.resolve("wal-dir")).map(s -> Path.of(s.strip()));
    }

    /** Records the name recovery asked for last, by this process (the launcher writes it too). */
    public void writeRequested(String name) throws IOException {
        writeRequested(name, CALLER);
    }

    void writeRequested(String name, String caller) throws IOException {
        writeAtomically(getDir().resolve("requested"), name + " " + caller + "\n");
    }

    /** A request of recovery's: the file it asked for, and the pid of the call that asked ("" when it wrote none). */
    public record Request(WalFileName name, String caller) {}

    /** The last request, read once, or empty; a half-written or foreign line counts as none. */
    public Optional<Request> request() throws IOException {
        String[] words = read(getDir().resolve("requested")).orElse("").strip().split(" ");
        if (words[0].isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Request(WalFileName.parse(words[0]), words.length > 1 ? words[1] : ""));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The pid of the call that took {@code name} from the spool, as it wrote it ("" for none). */
    public String takenBy(String name) throws IOException {
        return read(getDir().resolve(name + ".taken")).orElse("").strip();
    }

    /**
     * When the last request was written: the launcher answers a call only from marks newer than
     * its own request. Empty when there is none.
     */
    public Optional<FileTime> requestedAt() throws IOException {
        try {
            return Optional.of(Files.getLastModifiedTime(getDir().resolve("requested")));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Marks {@code name} as taken from the spool for the call that asked for it: not fetched again for that request. */
    public void recordTaken(String name) throws IOException {
        recordTaken(name, CALLER);
    }

    void recordTaken(String name, String caller) throws IOException {
        Files.writeString(getDir().resolve(name + ".taken"), caller);
    }

    /** This process, as it signs its requests and takes. */
    private static final String CALLER = Long.toString(ProcessHandle.current().pid());

    /** The names of the files in {@code d}, none if it is gone. */
    static List<String> names(Path d) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(d)) {
            s.forEach(p -> out.add(p.getFileName().toString()));
        } catch (NoSuchFileException e) {
            return out;
        }
        return out;
    }

    static Optional<String> read(Path file) throws IOException {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    static void writeAtomically(Path file, String text) throws IOException {
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + Thread.currentThread().getId());
        Files.writeString(temp, text, StandardCharsets.UTF_8);
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
    }
}
